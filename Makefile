# The two commands of the README: `make run` and `make test`.
.PHONY: run test bench build

# run serves localcrm on its embedded SQLite database (localcrm.db here).
run:
	go run ./cmd/localcrm serve

# test runs the whole test suite, installing what it needs first.
test:
	./scripts/test

# bench generates 50,000- and 1,000,000-record files and times their import
# beside sqlite3's own .import.
bench:
	./scripts/bench

build:
	go build -o bin/localcrm ./cmd/localcrm
