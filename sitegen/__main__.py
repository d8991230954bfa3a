from sitegen.cli.process import run

run()
