"""A model that fails to load (MLflow "models from code"): its endpoint must show failed with this
error in its log, and take nothing else down."""

import mlflow
from mlflow.pyfunc import PythonModel


class Crash(PythonModel):
    def load_context(self, context):
        raise RuntimeError("this model refuses to load: deliberate crash for the serving tests")

    def predict(self, context, model_input, params=None):
        return model_input


mlflow.models.set_model(Crash())
