"""`tf.summary`: TensorBoard event files (being written: see issue 4)."""
