"""Every op of the engine, grouped as in TensorFlow: array_ops, math_ops, nn_ops, random_ops, control_flow_ops."""
