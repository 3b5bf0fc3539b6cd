from tiercare.cli import run

run()
