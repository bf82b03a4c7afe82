"""Operations signals: Prometheus metrics, request metrics middleware, structured logs."""
