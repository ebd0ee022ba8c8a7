import { CopyButton } from "@/components/ui/copy-button";
import type { SnippetBlock } from "@/lib/dashboard/snippet";

const COPY_LABEL: Record<SnippetBlock["id"], string | undefined> = { install: "Copy install command", token: "Copy token command", python: undefined, ci: undefined };

/** One block of the snippet with its own copy button; the text shown is exactly the text copied. */
export function CodeBlock({ block, step }: { block: SnippetBlock; step?: React.ReactNode }) {
  const headingId = `snippet-${block.id}`;
  return (
    <div className="snippet-block" data-block={block.id}>
      <div className="snippet-block-head">
        <h3 id={headingId}>{block.title}</h3>
        <CopyButton text={block.text} label={COPY_LABEL[block.id] ?? `Copy ${block.title}`} />
      </div>
      {step}
      <pre className="code" aria-labelledby={headingId} data-language={block.language}>
        <code>{block.text}</code>
      </pre>
    </div>
  );
}
