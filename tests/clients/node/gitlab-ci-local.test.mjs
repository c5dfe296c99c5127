// SPDX-License-Identifier: Apache-2.0
//
// gitlab-ci-local with its docker executor against the test daemon: a
// pipeline with stages, image, services reached by alias, variables,
// artifacts, cache, before_script and after_script, and failing jobs with
// and without allow_failure.
//
// gitlab-ci-local runs two helper images from Docker Hub that the tests
// cannot pull, so they are made from the Debian test image with docker
// commit: the wait image (--wait-image), run as `IMAGE HOST:PORT -t
// SECONDS` to wait for a service's exposed ports, and the helper image
// (--helper-image), which needs bash and rsync to copy artifacts and cache
// out of the build volume. The rsync there is the host's, with its
// libraries, since the Debian test image has none.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEBIAN, REDIS, commitImage, dockerCli } from "./lib.mjs";

const WAIT_IMAGE = "sockerless-test/gcl-wait:1";
const HELPER_IMAGE = "sockerless-test/gcl-helper:1";
const CLI = path.join(import.meta.dirname, "node_modules", ".bin", "gitlab-ci-local");

const WAIT_SCRIPT = `#!/bin/bash
# Usage: wait-for-tcp HOST:PORT [-t SECONDS]; exits 0 once a TCP connect succeeds.
target=$1
seconds=30
if [ "\${2:-}" = -t ]; then seconds=$3; fi
host=\${target%:*}
port=\${target##*:}
for ((i = 0; i < seconds * 10; i++)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then exit 0; fi
        sleep 0.1
done
echo "timed out after $seconds s waiting for $target" >&2
exit 1
`;

const PIPELINE = `
stages: [build, test, report]

variables:
  GLOBAL_VAR: global-value

build:
  stage: build
  image: ${DEBIAN}
  variables:
    JOB_VAR: job-value
  before_script:
    - echo "before_script saw $GLOBAL_VAR"
  script:
    - mkdir -p out cache-dir
    - echo "built with $JOB_VAR and $GLOBAL_VAR" > out/result.txt
    - echo "cached by build" > cache-dir/entry.txt
    - echo "not an artifact" > scratch.txt
  after_script:
    - echo "after_script ran in $CI_JOB_NAME"
  artifacts:
    paths: [out/]
  cache:
    key: shared
    paths: [cache-dir/]

redis-service:
  stage: test
  image: ${REDIS}
  services:
    - name: ${REDIS}
      alias: cache
  script:
    - redis-cli -h cache ping
    - redis-cli -h cache set greeting "from the job"
    - echo "service said $(redis-cli -h cache get greeting)"
    - echo "artifact says $(cat out/result.txt)"

read-cache:
  stage: test
  image: ${DEBIAN}
  cache:
    key: shared
    paths: [cache-dir/]
    policy: pull
  script:
    - echo "cache holds $(cat cache-dir/entry.txt)"

allowed-failure:
  stage: test
  image: ${DEBIAN}
  allow_failure: true
  script:
    - echo "allowed to fail"
    - exit 3

failing:
  stage: report
  image: ${DEBIAN}
  script:
    - echo "failing on purpose"
    - exit 4
  after_script:
    - echo "after_script after a failure"
`;

// gitlab-ci-local copies the project and the artifacts with the host's rsync.
const RSYNC = spawnSync("sh", ["-c", "command -v rsync"], { encoding: "utf8" }).stdout.trim();
const SKIP = !RSYNC && "needs rsync on the host";

let workDir;
let home;

function rsyncFiles() {
  const rsync = RSYNC;
  const libs = fs.mkdtempSync(path.join(os.tmpdir(), "sl-node-rsync-"));
  fs.copyFileSync(rsync, path.join(libs, "rsync"));
  fs.chmodSync(path.join(libs, "rsync"), 0o755);
  const ldd = execFileSync("ldd", [rsync], { encoding: "utf8" });
  for (const match of ldd.matchAll(/=> (\/\S+)/g)) {
    if (/\/(libc|ld-linux[^/]*)\.so/.test(match[1])) continue;
    fs.copyFileSync(match[1], path.join(libs, path.basename(match[1])));
  }
  return libs;
}

function runPipeline(...args) {
  return spawnSync(
    CLI,
    [
      "--helper-image",
      HELPER_IMAGE,
      "--wait-image",
      WAIT_IMAGE,
      "--pull-policy",
      "if-not-present",
      "--no-color",
      ...args,
    ],
    { cwd: workDir, encoding: "utf8", timeout: 600000, env: { ...process.env, HOME: home, NO_COLOR: "1" } },
  );
}

before(() => {
  if (SKIP) return;
  const libs = rsyncFiles();
  try {
    commitImage(DEBIAN, HELPER_IMAGE, {
      "/usr/local/lib/rsync": { source: libs },
      "/usr/local/bin/rsync": {
        content: '#!/bin/sh\nLD_LIBRARY_PATH=/usr/local/lib/rsync exec /usr/local/lib/rsync/rsync "$@"\n',
        mode: 0o755,
      },
    });
  } finally {
    fs.rmSync(libs, { recursive: true, force: true });
  }
  commitImage(DEBIAN, WAIT_IMAGE, { "/usr/local/bin/wait-for-tcp": { content: WAIT_SCRIPT, mode: 0o755 } }, [
    'ENTRYPOINT ["/usr/local/bin/wait-for-tcp"]',
    "CMD []",
  ]);

  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-node-gcl-"));
  home = path.join(workDir, ".home");
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(workDir, ".gitlab-ci.yml"), PIPELINE);
  fs.writeFileSync(path.join(workDir, ".gitignore"), ".gitlab-ci-local/\n.home/\n");
  const git = (...args) => execFileSync("git", args, { cwd: workDir, env: { ...process.env, HOME: home } });
  git("init", "-q", "-b", "main");
  git("-c", "user.name=Test", "-c", "user.email=test@example.invalid", "add", ".");
  git("-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "pipeline");
});

after(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  for (const image of [WAIT_IMAGE, HELPER_IMAGE]) spawnSync("docker", ["rmi", "-f", image]);
});

test("gitlab-ci-local: pipeline runs every job", { skip: SKIP }, () => {
  const result = runPipeline();
  const output = `${result.stdout}\n${result.stderr}`;
  fs.writeFileSync(path.join(workDir, "pipeline.log"), output);
  process.stderr.write(output);

  // The failing job without allow_failure fails the pipeline.
  assert.equal(result.status, 1, output);

  assert.match(output, /before_script saw global-value/);
  assert.match(output, /after_script ran in build/);
  assert.match(output, /PONG/);
  assert.match(output, /service said from the job/);
  assert.match(output, /artifact says built with job-value and global-value/);
  assert.match(output, /cache holds cached by build/);
  assert.match(output, /allowed to fail/);
  assert.match(output, /allowed-failure .*WARN 3/);
  assert.match(output, /failing on purpose/);
  assert.match(output, /after_script after a failure/);
  assert.match(output, /failing .*FAIL 4/);
  assert.doesNotMatch(output, /Could not find exposed tcp ports/);
  assert.match(output, /healthcheck passed/);
});

test("gitlab-ci-local: artifacts and cache on the host", { skip: SKIP }, () => {
  const stateDir = path.join(workDir, ".gitlab-ci-local");
  const artifact = path.join(stateDir, "artifacts", "build", "out", "result.txt");
  assert.equal(fs.readFileSync(artifact, "utf8"), "built with job-value and global-value\n");
  assert.equal(fs.existsSync(path.join(stateDir, "artifacts", "build", "scratch.txt")), false);
  // Artifacts are also copied back into the project directory.
  assert.equal(fs.readFileSync(path.join(workDir, "out", "result.txt"), "utf8"), "built with job-value and global-value\n");
  const cache = path.join(stateDir, "cache", "shared", "cache-dir", "entry.txt");
  assert.equal(fs.readFileSync(cache, "utf8"), "cached by build\n");
});

test("gitlab-ci-local: leaves no containers networks or volumes", { skip: SKIP }, () => {
  assert.equal(dockerCli("ps", "-aq", "--filter", "name=gcl-"), "");
  assert.equal(dockerCli("network", "ls", "-q", "--filter", "name=gitlab-ci-local-"), "");
  assert.equal(dockerCli("volume", "ls", "-q", "--filter", "name=gcl-"), "");
});

test("gitlab-ci-local: one job by name", { skip: SKIP }, () => {
  const result = runPipeline("--job", "redis-service", "--needs");
  const output = `${result.stdout}\n${result.stderr}`;
  process.stderr.write(output);
  assert.equal(result.status, 0, output);
  assert.match(output, /service said from the job/);
  assert.doesNotMatch(output, /failing on purpose/);
});
