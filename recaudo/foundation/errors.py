"""Every error Recaudo raises on purpose, as one small tree."""


class RecaudoError(Exception):
    """Base of every error Recaudo raises on purpose."""


class InvalidEvent(RecaudoError, ValueError):
    """An input message is not valid JSON or does not match the event contract."""


class EventIdConflict(InvalidEvent):
    """An event id already names an event with other content (409; dead-lettered)."""


class DecisionError(RecaudoError):
    """An event could not be decided (a bug, a policy gap); it is dead-lettered."""


class UnknownTenant(RecaudoError, LookupError):
    """An event names a tenant this deployment does not serve."""


class ConfigError(RecaudoError, ValueError):
    """A configuration file (provider credentials, settings) is missing or malformed."""


class PolicyError(RecaudoError, ValueError):
    """A tenant policy file is malformed or contradicts itself."""


class ModelStateError(RecaudoError, ValueError):
    """A stored per-debtor learner state or a model checkpoint is malformed."""


class SignatureError(RecaudoError):
    """A webhook's signature, timestamp or token does not verify."""


class ProviderError(RecaudoError):
    """A channel provider answered with an error."""


class RetryableProviderError(ProviderError):
    """A provider failure worth retrying (5xx, timeout, connection reset)."""


class PermanentProviderError(ProviderError):
    """A provider refused the request for good (4xx, invalid address)."""


class EmbeddedStackError(RecaudoError, RuntimeError):
    """The embedded broker or Redis for dev, demo and tests could not start."""


class EvaluationError(RecaudoError, ValueError):
    """A decision log cannot be evaluated off-policy (bad probabilities, unknown action)."""


class StateLost(RecaudoError):
    """Redis no longer holds this deployment's state (its marker is gone); decisions
    wait, un-acked, until ``recaudo rebuild-state`` restores it."""


class MappingError(RecaudoError, ValueError):
    """An import's column mapping, or a file's header, does not fit (``recaudo.imports``)."""


class UnsafeUrl(RecaudoError, ValueError):
    """A webhook endpoint URL is not https, or reaches a loopback, private or reserved address."""
