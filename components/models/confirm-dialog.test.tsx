// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./confirm-dialog";

afterEach(cleanup);

function Harness({ onConfirm = () => undefined, pending = false }: { onConfirm?: () => void; pending?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button onClick={() => setOpen(true)}>Delete version 2</button>
      {open ? (
        <ConfirmDialog title="Delete version 2 of m?" confirmLabel="Delete" pending={pending} onConfirm={onConfirm} onClose={() => setOpen(false)}>
          <p>It cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

// A real click focuses the button first; jsdom's click does not.
function open() {
  const opener = screen.getByRole("button", { name: "Delete version 2" });
  opener.focus();
  act(() => void fireEvent.click(opener));
}
const tab = (shiftKey = false) => fireEvent.keyDown(document.activeElement ?? document.body, { key: "Tab", shiftKey });

describe("confirm dialog", () => {
  it("is a modal dialog labelled by its title and described by its text, with focus on Cancel", () => {
    render(<Harness />);
    open();
    const dialog = screen.getByRole("dialog", { name: "Delete version 2 of m?" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.getAttribute("aria-describedby") && document.getElementById(dialog.getAttribute("aria-describedby")!)?.textContent).toBe("It cannot be undone.");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));
  });

  it("keeps Tab and Shift+Tab inside the dialog", () => {
    render(<Harness />);
    open();
    const cancel = screen.getByRole("button", { name: "Cancel" });
    const confirm = screen.getByRole("button", { name: "Delete" });
    confirm.focus();
    tab();
    expect(document.activeElement).toBe(cancel);
    tab(true);
    expect(document.activeElement).toBe(confirm);
  });

  it("brings focus back when something outside takes it", () => {
    render(<Harness />);
    open();
    act(() => screen.getByRole("button", { name: "Delete version 2" }).focus());
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));
  });

  it("closes on Escape without confirming, and returns focus to what opened it", () => {
    const onConfirm = vi.fn();
    render(<Harness onConfirm={onConfirm} />);
    open();
    act(() => void fireEvent.keyDown(document.activeElement!, { key: "Escape" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete version 2" }));
  });

  it("cannot be dismissed while the deletion is under way", () => {
    render(<Harness pending />);
    open();
    act(() => void fireEvent.keyDown(document.body, { key: "Escape" }));
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete…" }).hasAttribute("disabled")).toBe(true);
  });
});
