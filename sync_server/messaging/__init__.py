"""Events out: the transactional outbox relay, the RabbitMQ and in-process transports, and consumers."""
