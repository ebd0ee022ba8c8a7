// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import { Description } from "./description";

afterEach(cleanup);

describe("description editor", () => {
  it("offers no Edit control to a reader", () => {
    render(<Description subject="version 2" text="First candidate" editable={false} save={vi.fn()} />);
    expect(screen.getByText("First candidate")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("sends the edited text and closes once it is saved", async () => {
    const save = vi.fn().mockResolvedValue({});
    render(<Description subject="version 2" text="old" editable save={save} />);
    fireEvent.click(screen.getByRole("button", { name: "Edit description of version 2" }));
    fireEvent.change(screen.getByLabelText("Description of version 2"), { target: { value: "new text" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save" })));
    expect(save).toHaveBeenCalledWith("new text");
    expect(screen.queryByRole("textbox")).toBeNull();
  });

  it("keeps the draft and shows the gateway's refusal inline, with its code", async () => {
    const save = vi.fn().mockRejectedValue(new MlflowApiError(403, "PERMISSION_DENIED", "Your role in this project (Reporter) does not allow this."));
    render(<Description subject="model m" text="" editable save={save} />);
    fireEvent.click(screen.getByRole("button", { name: "Edit description of model m" }));
    fireEvent.change(screen.getByLabelText("Description of model m"), { target: { value: "draft" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save" })));
    expect(screen.getByRole("alert").textContent).toBe("PERMISSION_DENIED: Your role in this project (Reporter) does not allow this.");
    expect((screen.getByLabelText("Description of model m") as HTMLTextAreaElement).value).toBe("draft");
  });
});
