# The two commands a newcomer needs; both install whatever is missing first.
.PHONY: up test setup

setup:
	@scripts/setup.sh

up: setup
	.venv/app/bin/motcua up

test: setup
	.venv/app/bin/python -m pytest
