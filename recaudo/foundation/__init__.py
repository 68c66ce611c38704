"""Foundation: settings, errors, Redis keys and client, Kafka helpers.

Every domain package (streams, rules, models, channels, simulator) may import
from here; nothing here imports a domain or an entry point.
"""
