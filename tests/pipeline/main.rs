//! End-to-end tests of the readings pipeline: RabbitMQ, the worker and PostgreSQL.
