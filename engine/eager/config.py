"""`tf.config`: which devices there are. The engine computes with NumPy, so there is exactly one: the CPU."""
import collections
import types

from . import function as _function

PhysicalDevice = collections.namedtuple("PhysicalDevice", "name device_type")
LogicalDevice = collections.namedtuple("LogicalDevice", "name device_type")


def _matching(device_type, devices):
    return [d for d in devices if device_type is None or d.device_type == str(device_type).upper()]


def list_physical_devices(device_type=None):
    """The devices of this machine the engine can use: `[PhysicalDevice(name='/physical_device:CPU:0', ...)]`;
    `list_physical_devices('GPU')` is empty (NumPy runs on the CPU only)."""
    return _matching(device_type, [PhysicalDevice("/physical_device:CPU:0", "CPU")])


def list_logical_devices(device_type=None):
    return _matching(device_type, [LogicalDevice("/device:CPU:0", "CPU")])


def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted for compatibility (there is only the CPU)."""


def run_functions_eagerly(run_eagerly):
    """With True, `tf.function`s run their Python code eagerly on every call (for debugging with print)."""
    _function._run_functions_eagerly[0] = bool(run_eagerly)


def functions_run_eagerly():
    return _function._run_functions_eagerly[0]


experimental = types.SimpleNamespace(list_physical_devices=list_physical_devices,
                                     list_logical_devices=list_logical_devices,
                                     set_memory_growth=lambda device, enable: None,
                                     get_memory_growth=lambda device: False)
