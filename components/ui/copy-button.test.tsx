// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CopyButton } from "./copy-button";

afterEach(cleanup);

describe("copy button", () => {
  it("puts exactly its text on the clipboard and says it did", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<CopyButton text="export MLFLOW_TRACKING_URI=x" label="Copy tracking URI" />);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Copy tracking URI" })));
    expect(writeText).toHaveBeenCalledWith("export MLFLOW_TRACKING_URI=x");
    expect(screen.getByText("Copied")).toBeTruthy();
  });

  it("says so when the browser refuses the clipboard", async () => {
    Object.defineProperty(navigator, "clipboard", { value: { writeText: vi.fn().mockRejectedValue(new Error("denied")) }, configurable: true });
    render(<CopyButton text="x" />);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Copy" })));
    expect(screen.getByText("Copy failed")).toBeTruthy();
  });
});
