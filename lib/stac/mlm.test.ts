import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactType, exampleColumns, hyperparameters, mlmName, mlmProperties, readMlmodel } from "./mlm";

// Written by MLflow 3.17.2's mlflow.sklearn.log_model (a LogisticRegression on iris, with a signature and an input example); see fixtures/README.md.
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");
const MLMODEL = fixture("sklearn-iris.MLmodel");

describe("reading an MLmodel", () => {
  it("takes the framework from the sklearn flavour, not python_function", () => {
    const facts = readMlmodel(MLMODEL);
    expect(facts.flavours).toEqual(["python_function", "sklearn"]);
    expect(facts).toMatchObject({ flavour: "sklearn", framework: "scikit-learn", frameworkVersion: "1.9.1", mlflowVersion: "3.17.2", weightsFile: "model.skops", inputExamplePath: "input_example.json" });
    expect(facts.environmentFiles.sort()).toEqual(["conda.yaml", "python_env.yaml"]);
    expect(artifactType(facts)).toBe("mlflow.sklearn.save_model");
  });

  it("a pyfunc-only model is an MLflow model of MLflow's version", () => {
    const facts = readMlmodel("flavors:\n  python_function:\n    loader_module: my_loader\nmlflow_version: 3.17.2\n");
    expect(facts).toMatchObject({ flavour: "python_function", framework: "MLflow", frameworkVersion: "3.17.2" });
    expect(artifactType(facts)).toBe("mlflow.pyfunc.save_model");
  });

  it("refuses text that is not an MLmodel, and ignores paths that climb out of the model", () => {
    expect(() => readMlmodel("hello")).toThrow(/not an MLmodel/);
    expect(readMlmodel("flavors:\n  sklearn:\n    pickled_model: ../../other/model.pkl\n").weightsFile).toBeUndefined();
  });
});

describe("MLM properties", () => {
  it("a column signature is one batch × feature input of float64 and the tensor output keeps its dtype", () => {
    const props = mlmProperties({ name: "iris", tags: { "mlm:tasks": "classification", "mlm:architecture": "LogisticRegression" }, mlmodel: readMlmodel(MLMODEL), params: [] });
    expect(props["mlm:input"]).toEqual([
      {
        name: "features",
        description: "Columns: sepal length (cm) (double), sepal width (cm) (double), petal length (cm) (double), petal width (cm) (double)",
        input: { shape: [-1, 4], dim_order: ["batch", "feature"], data_type: "float64" },
      },
    ]);
    expect(props["mlm:output"]).toEqual([{ name: "output", tasks: ["classification"], result: { shape: [-1], dim_order: ["batch"], data_type: "int64" } }]);
    expect(props).toMatchObject({ "mlm:name": "iris", "mlm:architecture": "LogisticRegression", "mlm:tasks": ["classification"], "mlm:framework": "scikit-learn", "mlm:framework_version": "1.9.1" });
  });

  it("mixed column types are `other`; tensors get digit-free unique dim names", () => {
    const text = `flavors: {pytorch: {pytorch_version: 2.5.0}}\nsignature:\n  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3, 224, 224]}}]'\n  outputs: '[{"type": "double", "name": "a"}, {"type": "string", "name": "b"}]'\n`;
    const props = mlmProperties({ name: "net", tags: {}, mlmodel: readMlmodel(text), params: [] });
    const input = (props["mlm:input"] as { input: { dim_order: string[]; data_type: string } }[])[0].input;
    expect(input).toEqual({ shape: [-1, 3, 224, 224], dim_order: ["batch", "height", "width", "channel"], data_type: "float32" });
    expect(new Set(input.dim_order).size).toBe(4);
    expect((props["mlm:output"] as { result: { data_type: string } }[])[0].result.data_type).toBe("other");
    expect(props["mlm:framework"]).toBe("PyTorch");
  });

  it("without tags the architecture is unknown and tasks are empty; tasks outside MLM's vocabulary are dropped", () => {
    expect(mlmProperties({ name: "x model", tags: {}, params: [] })).toMatchObject({ "mlm:architecture": "unknown", "mlm:tasks": [], "mlm:input": [], "mlm:output": [] });
    expect(mlmProperties({ name: "xyz", tags: { "mlm:tasks": "segmentation, Classification telepathy" }, params: [] })["mlm:tasks"]).toEqual(["segmentation", "classification"]);
  });

  it("without a signature, a dataframe input example gives the input's width", () => {
    const columns = exampleColumns(fixture("sklearn-iris.input_example.json"));
    expect(columns).toHaveLength(4);
    const props = mlmProperties({ name: "iris", tags: {}, params: [], exampleColumns: columns });
    expect((props["mlm:input"] as { input: { shape: number[] } }[])[0].input.shape).toEqual([-1, 4]);
  });

  it("run params become typed hyperparameters with keys MLM accepts; none means no field", () => {
    expect(hyperparameters([{ key: "C", value: "0.5" }, { key: "max_iter", value: "200" }, { key: "solver", value: "lbfgs" }, { key: "fit intercept?", value: "True" }])).toEqual({
      C: 0.5,
      max_iter: 200,
      solver: "lbfgs",
      fit_intercept_: true,
    });
    expect(mlmProperties({ name: "abc", tags: {}, params: [] })).not.toHaveProperty("mlm:hyperparameters");
  });

  it.each([
    ["iris", "iris"],
    ["Flood U-Net v2", "Flood U-Net v2"],
    ["team/flood", "team-flood"],
    ["3d-unet", "d-unet"],
    ["Überschwemmung", "Uberschwemmung"],
    ["洪水", "model"],
    ["a!", "model-a"],
  ])("the model name %s is an MLM name (%s)", (name, expected) => {
    expect(mlmName(name)).toBe(expected);
    expect(mlmName(name)).toMatch(/^[a-zA-Z][a-zA-Z0-9_.\-\s]+[a-zA-Z0-9]$/);
  });
});
