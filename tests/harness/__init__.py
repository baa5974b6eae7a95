"""Engine-protocol test harness (docstring written below)."""

from .engine import DeploymentAborted, Program, ProgramError, StepRecord
from .harness import Harness, OperationResult
from .host import (
    CheckFailedError,
    ConfigValue,
    HarnessError,
    HostStartupError,
    ProviderCall,
    ProviderError,
    ProviderHost,
)
from .props import UNKNOWN, PropertyMap, Secret, Unknown
from .state import ResourceState, StackState, StateStore

__all__ = [
    "UNKNOWN",
    "CheckFailedError",
    "ConfigValue",
    "DeploymentAborted",
    "Harness",
    "HarnessError",
    "HostStartupError",
    "OperationResult",
    "Program",
    "ProgramError",
    "PropertyMap",
    "ProviderCall",
    "ProviderError",
    "ProviderHost",
    "ResourceState",
    "Secret",
    "StackState",
    "StateStore",
    "StepRecord",
    "Unknown",
]
