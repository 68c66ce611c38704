"""Foundation: settings, errors, Redis keys and client, Kafka helpers.

The contracts and every domain package (streams, rules, models, channels,
simulator) may import from here; nothing here imports them or an entry point.
"""
