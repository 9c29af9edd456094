-- Signs in as the benchmark's admin on every request.
wrk.method = "POST"
wrk.body = '{"login": "bench", "password": "bench-password-1"}'
wrk.headers["Content-Type"] = "application/json"
