"""Where loaded data goes: PyTorch's ``map_location`` rules over the location each storage was saved at."""

from .._device import device, placement
from .errors import InvalidFileError
from .weights_only import LoadError

__all__ = ["mapped_location"]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "xla", "meta", "privateuseone")


def mapped_location(location, map_location, storage):
    """Where a storage (or a tensor) saved at ``location`` goes, ``"cpu"`` or ``"cuda:N"``: PyTorch's
    ``map_location`` rules; CUDA only where chainrule has a CUDA device, else PyTorch's error."""
    if not isinstance(location, str):
        raise InvalidFileError(f"chainrule.load: a storage location must be a string, got {location!r:.100}")
    if callable(map_location) and not isinstance(map_location, (str, device)):
        result = map_location(storage, location)
        if result is not None and result is not storage:
            raise LoadError("chainrule.load: map_location must return the storage it is given (or None); "
                            "a storage a function maps stays on the CPU")
        if result is storage:
            return "cpu"
    elif isinstance(map_location, dict):
        location = map_location.get(location, location)
    elif map_location is not None:
        location = str(device(map_location))
    backend = str(location).split(":")[0]
    if backend not in _DEVICE_TYPES:
        raise InvalidFileError(f"chainrule.load: a storage is located on an unknown device {location!r:.100}")
    if backend == "cuda":
        try:
            placement(location)
            return str(device(location))
        except (AssertionError, RuntimeError):  # no CuPy, or no GPU
            pass
        raise LoadError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                        "False. If you are running on a CPU-only machine, please use torch.load with "
                        "map_location=torch.device('cpu') to map your storages to the CPU.")
    if backend != "cpu":
        raise LoadError(f"chainrule has no backend for device {location!r}: only 'cpu' and 'cuda' are available")
    return "cpu"
