# Shortcuts; the scripts are the source of truth (they work without make, too).
.PHONY: run test check lint bench

run:    ## set up .venv and run the helpline on http://127.0.0.1:5000 (PORT to change)
	./scripts/run

test:   ## set up .venv and run lint, types, content check and all tests
	./scripts/test

check:  ## validate prompts/ and content/
	.venv/bin/flask --app app helpline check

lint:
	.venv/bin/ruff check . && .venv/bin/mypy

bench:  ## benchmark the helpline under gunicorn + Redis against a fixed-TwiML ceiling (about 3 minutes)
	./bench/run
