// SPDX-License-Identifier: Apache-2.0
//
// The Dev Containers CLI (@devcontainers/cli) against the test daemon:
// `devcontainer up` on an image-based devcontainer.json with
// postCreateCommand, remoteUser, mounts and forwardPorts, then
// `devcontainer exec`. The configuration has no features and sets
// updateRemoteUserUID to false, because either makes the CLI build an
// image with `docker build`, which Sockerless does not implement. The last
// test runs that build on dockerd only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEBIAN, dockerCli } from "./lib.mjs";

const IMAGE = "sockerless-test/devcontainer:1";
const CLI = path.join(import.meta.dirname, "node_modules", ".bin", "devcontainer");
const VOLUME = `sl-devcontainer-${process.pid}`;
const ENGINE = process.env.SL_NODE_ENGINE ?? "sockerlessd";

let workspace;
let home;
let upResult;

// Run `devcontainer SUBCOMMAND` on the workspace, with the command to run
// (for exec) after the options.
function devcontainer(subcommand, ...args) {
  const options = ["--workspace-folder", workspace, "--docker-path", "docker"];
  const result = spawnSync(CLI, [subcommand, ...options, ...args], {
    encoding: "utf8",
    timeout: 300000,
    env: { ...process.env, HOME: home },
  });
  process.stderr.write(`$ devcontainer ${subcommand} ${args.join(" ")}\n${result.stdout}\n${result.stderr}\n`);
  return result;
}

// Parse the JSON object that `devcontainer up` prints as its last line.
function lastJsonLine(text) {
  const lines = text.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

before(() => {
  // The Debian test image with a user for remoteUser, made without docker build.
  const name = `sl-devcontainer-base-${process.pid}`;
  dockerCli("run", "--name", name, DEBIAN, "useradd", "--create-home", "--shell", "/bin/bash", "--uid", "1000", "dev");
  try {
    dockerCli("commit", name, IMAGE);
  } finally {
    dockerCli("rm", "-f", name);
  }

  workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sl-node-devcontainer-"));
  // remoteUser (uid 1000) writes into the bound workspace.
  fs.chmodSync(workspace, 0o777);
  home = path.join(workspace, ".home");
  fs.mkdirSync(home);
  fs.mkdirSync(path.join(workspace, "shared"));
  fs.writeFileSync(path.join(workspace, "shared", "from-host.txt"), "bound from the host\n");
  fs.mkdirSync(path.join(workspace, ".devcontainer"));
  const config = {
    name: "sockerless-node-test",
    image: IMAGE,
    remoteUser: "dev",
    updateRemoteUserUID: false,
    containerEnv: { FROM_CONTAINER_ENV: "container" },
    remoteEnv: { FROM_REMOTE_ENV: "remote" },
    postCreateCommand: "echo \"post-create ran as $(id -un) in $(pwd)\" > /home/dev/post-create.txt",
    mounts: [
      "source=${localWorkspaceFolder}/shared,target=/mnt/shared,type=bind",
      `source=${VOLUME},target=/mnt/volume,type=volume`,
    ],
    forwardPorts: [8080],
  };
  fs.writeFileSync(path.join(workspace, ".devcontainer", "devcontainer.json"), JSON.stringify(config, null, 2));
});

after(() => {
  if (upResult?.containerId) spawnSync("docker", ["rm", "-f", "-v", upResult.containerId]);
  spawnSync("docker", ["volume", "rm", VOLUME]);
  spawnSync("docker", ["rmi", "-f", IMAGE]);
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test("devcontainer: up starts the container", () => {
  const result = devcontainer("up");
  assert.equal(result.status, 0, result.stderr);
  upResult = lastJsonLine(result.stdout);
  assert.equal(upResult.outcome, "success", result.stdout);
  assert.equal(upResult.remoteUser, "dev");
  assert.equal(upResult.remoteWorkspaceFolder, `/workspaces/${path.basename(workspace)}`);

  const info = JSON.parse(dockerCli("inspect", upResult.containerId))[0];
  assert.equal(info.State.Running, true);
  assert.equal(info.Config.Image, IMAGE);
  assert.equal(info.Config.Labels["devcontainer.local_folder"], workspace);
  assert.ok(info.Config.Env.includes("FROM_CONTAINER_ENV=container"), info.Config.Env.join(" "));
  const metadata = JSON.parse(info.Config.Labels["devcontainer.metadata"]);
  assert.ok(
    metadata.some((entry) => JSON.stringify(entry.forwardPorts) === "[8080]"),
    info.Config.Labels["devcontainer.metadata"],
  );
  const targets = info.Mounts.map((mount) => `${mount.Type}:${mount.Destination}`).sort();
  assert.deepEqual(targets, ["bind:/mnt/shared", `bind:/workspaces/${path.basename(workspace)}`, "volume:/mnt/volume"]);
});

test("devcontainer: postCreateCommand ran as remoteUser", () => {
  const result = devcontainer("exec", "cat", "/home/dev/post-create.txt");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), `post-create ran as dev in /workspaces/${path.basename(workspace)}`);
});

test("devcontainer: exec runs as remoteUser with remoteEnv", () => {
  const result = devcontainer("exec", "sh", "-c", 'echo "$(id -un) $(pwd) $FROM_REMOTE_ENV $FROM_CONTAINER_ENV"');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), `dev /workspaces/${path.basename(workspace)} remote container`);
});

test("devcontainer: exec sees the mounts", () => {
  const write = devcontainer("exec", "sh", "-c", "echo written-in-container > from-container.txt && cat /mnt/shared/from-host.txt");
  assert.equal(write.status, 0, write.stderr);
  assert.equal(write.stdout.trim(), "bound from the host");
  assert.equal(fs.readFileSync(path.join(workspace, "from-container.txt"), "utf8"), "written-in-container\n");

  const volume = devcontainer("exec", "sh", "-c", "test -d /mnt/volume && stat -c %F /mnt/volume");
  assert.equal(volume.status, 0, volume.stderr);
  assert.equal(volume.stdout.trim(), "directory");
});

test("devcontainer: exec returns the exit code", () => {
  const result = devcontainer("exec", "sh", "-c", "exit 9");
  assert.equal(result.status, 9);
});

test("devcontainer: up again reuses the container", () => {
  const result = devcontainer("up");
  assert.equal(result.status, 0, result.stderr);
  assert.equal(lastJsonLine(result.stdout).containerId, upResult.containerId);
});

test(
  "devcontainer: up builds the remoteUser UID image",
  { skip: ENGINE === "sockerlessd" && "docker build (POST /build) is not implemented in Sockerless" },
  () => {
    const configPath = path.join(workspace, ".devcontainer", "devcontainer.json");
    const config = JSON.parse(fs.readFileSync(configPath, "utf8"));
    delete config.updateRemoteUserUID;
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    spawnSync("docker", ["rm", "-f", "-v", upResult.containerId]);

    const result = devcontainer("up");
    assert.equal(result.status, 0, result.stderr);
    upResult = lastJsonLine(result.stdout);
    assert.equal(upResult.outcome, "success", result.stdout);
    const info = JSON.parse(dockerCli("inspect", upResult.containerId))[0];
    assert.match(info.Config.Image, /^vsc-.*-uid$/);
    spawnSync("docker", ["rm", "-f", "-v", upResult.containerId]);
    spawnSync("docker", ["rmi", "-f", info.Config.Image]);
  },
);
