"""Differential fuzzing of the engine against TensorFlow 1.x: `gen` draws programs, `oracle` runs and compares them,
`allowlist` names the documented differences, `run.py` is `make fuzz`."""
