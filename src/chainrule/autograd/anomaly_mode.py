"""``chainrule.autograd.anomaly_mode``: anomaly detection (defined in ``chainrule._autograd.anomaly``)."""

from .._autograd.anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
