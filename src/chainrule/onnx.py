"""``chainrule.onnx``: importable for scripts that offer an ONNX export, but exporting is not supported."""

__all__ = ["export", "is_in_onnx_export"]


def export(*args, **kwargs):
    raise NotImplementedError("chainrule.onnx.export: chainrule cannot export ONNX graphs (it has no graph capture "
                              "of TorchScript's kind); export with PyTorch after loading the state_dict there")


def is_in_onnx_export():
    return False
