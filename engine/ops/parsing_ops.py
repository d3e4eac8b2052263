"""Parsing text records: `tf.decode_csv` (`tf.io.decode_csv`), one output tensor per column."""
import csv

import numpy as np

from .. import dtypes as _dt
from ..framework import convert_to_tensor, defop, get_default_graph, make_op
from ..shapes import TensorShape


def _decode_csv_infer(inputs, attrs):
    records, defaults = inputs[0], inputs[1:]
    if records.dtype != _dt.string:
        raise TypeError(f"records of decode_csv must be strings, got {records.dtype.name}")
    for i, d in enumerate(defaults):
        if d.shape.rank not in (None, 1) or d.shape.rank == 1 and d.shape[0] not in (None, 0, 1):
            raise ValueError(f"Shape of a default must be a length-0 or length-1 vector, or a scalar: record_defaults"
                             f"[{i}] has shape {d.shape.bracket_str()}")
    return [(records.shape, d.dtype) for d in defaults]


def _field(text, default, dtype, column, row, na_value):
    if text == "" or text == na_value:
        if default.size == 0:
            raise ValueError(f"Field {column} is required but missing in record {row}!")
        return default.reshape(-1)[0]
    if dtype is _dt.string:
        return text.encode()
    try:
        return dtype.np.type(float(text) if dtype.is_floating else int(text))
    except ValueError:
        kind = "float" if dtype.is_floating else "int" if dtype.is_integer else dtype.name
        raise ValueError(f"Field {column} in record {row} is not a valid {kind}: {text}") from None


@defop("DecodeCSV", _decode_csv_infer)
def _decode_csv(records, *defaults, field_delim, use_quote_delim, na_value, select_cols):
    dtypes = [_dt.as_dtype(d.dtype) if d.dtype != object else _dt.string for d in defaults]
    columns = [np.empty(records.shape, dtype=object if t is _dt.string else t.np) for t in dtypes]
    quoting = {"quotechar": '"'} if use_quote_delim else {"quoting": csv.QUOTE_NONE}
    for row, (index, record) in enumerate(np.ndenumerate(records)):
        text = record.decode() if isinstance(record, bytes) else str(record)
        fields = next(csv.reader([text], delimiter=field_delim, **quoting), [""])
        if select_cols is not None:
            fields = [fields[c] for c in select_cols if c < len(fields)]
        if len(fields) != len(defaults):
            raise ValueError(f"Expect {len(defaults)} fields but have {len(fields)} in record {row}")
        for column, (value, default, dtype) in enumerate(zip(fields, defaults, dtypes)):
            columns[column][index] = _field(value, default, dtype, column, row, na_value)
    return columns[0] if len(columns) == 1 else tuple(columns)


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """Splits each CSV line of `records` into fields: one tensor per column, of the dtype of its default in
    `record_defaults` (e.g. [[0.0], [0], ['']]); an empty default ([]) makes the field required."""
    with get_default_graph().name_scope(name or "DecodeCSV") as scope:
        records = convert_to_tensor(records, name="records")
        defaults = [convert_to_tensor(d, name="record_defaults") for d in record_defaults]
        attrs = {"field_delim": field_delim, "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
                 "select_cols": None if select_cols is None else list(select_cols)}
        return list(make_op("DecodeCSV", [records] + defaults, scope, attrs).outputs)
