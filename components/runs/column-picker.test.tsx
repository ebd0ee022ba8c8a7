// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ColumnPicker } from "./column-picker";

afterEach(cleanup);

describe("column picker", () => {
  it("offers the page's metric and param keys and adds the one ticked", () => {
    const onChange = vi.fn();
    render(<ColumnPicker params={["alpha"]} metrics={["rmse", "acc"]} chosen={[]} onChange={onChange} />);
    const metrics = screen.getByRole("group", { name: "Metrics" });
    expect(within(metrics).getAllByRole("checkbox").map((c) => c.parentElement?.textContent)).toEqual(["acc", "rmse"]);
    fireEvent.click(within(metrics).getByRole("checkbox", { name: "rmse" }));
    expect(onChange).toHaveBeenCalledWith(["m.rmse"]);
  });

  it("keeps a chosen column whose key this page lacks, so a linked view can still drop it", () => {
    const onChange = vi.fn();
    render(<ColumnPicker params={[]} metrics={["rmse"]} chosen={["p.old", "m.rmse"]} onChange={onChange} />);
    const old = within(screen.getByRole("group", { name: "Params" })).getByRole("checkbox", { name: "old" });
    expect((old as HTMLInputElement).checked).toBe(true);
    fireEvent.click(old);
    expect(onChange).toHaveBeenCalledWith(["m.rmse"]);
  });
});
