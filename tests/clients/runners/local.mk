# Replays of the Docker API sequences that CI runners send: GitLab
# Runner's docker executor (raw API calls from gitlab-runner.py) and the
# GitHub Actions runner's container jobs (docker CLI commands from
# github-actions.sh), each against a private daemon in a network
# namespace of its own.
RUNNER_TESTS = \
	tests/clients/runners/gitlab-runner.sh \
	tests/clients/runners/github-actions.sh

TESTS += $(RUNNER_TESTS)
EXTRA_DIST += $(RUNNER_TESTS) \
	tests/clients/runners/gitlab-runner.py
