// SPDX-License-Identifier: Apache-2.0
//
// Testcontainers for Node against the test daemon: GenericContainer on the
// redis and nginx test images with published ports, wait strategies, exec,
// copies into the container, networks with aliases, restart, stop and logs.
// Ryuk is off (TESTCONTAINERS_RYUK_DISABLED=true), so every test stops what
// it starts.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { GenericContainer, Network, Wait } from "testcontainers";
import { NGINX, REDIS, TEST_LABEL, httpGet, readUntil, redisCommand } from "./lib.mjs";

const docker = new Docker();
const started = [];
const networks = [];
const REDIS_READY = "Ready to accept connections";

function redis() {
  return new GenericContainer(REDIS).withLabels({ [TEST_LABEL]: "testcontainers" }).withExposedPorts(6379);
}

async function start(container) {
  const running = await container.start();
  started.push(running);
  return running;
}

after(async () => {
  for (const container of started) await container.stop({ timeout: 1 }).catch(() => {});
  for (const network of networks) await network.stop().catch(() => {});
});

test("testcontainers: redis log wait and ping", async () => {
  const container = await start(redis().withWaitStrategy(Wait.forLogMessage(REDIS_READY)));
  const port = container.getMappedPort(6379);
  assert.ok(port > 0, `mapped port ${port}`);
  assert.equal(await redisCommand(container.getHost(), port, "PING"), "+PONG");
});

test("testcontainers: nginx listening port wait", async () => {
  const container = await start(
    new GenericContainer(NGINX).withExposedPorts(80).withWaitStrategy(Wait.forListeningPorts()),
  );
  const reply = await httpGet(`http://${container.getHost()}:${container.getMappedPort(80)}/`);
  assert.equal(reply.status, 200);
  assert.match(reply.body, /nginx/i);
});

test("testcontainers: nginx http wait", async () => {
  const container = await start(
    new GenericContainer(NGINX).withExposedPorts(80).withWaitStrategy(Wait.forHttp("/", 80).forStatusCode(200)),
  );
  const reply = await httpGet(`http://${container.getHost()}:${container.getFirstMappedPort()}/`);
  assert.equal(reply.status, 200);
});

test("testcontainers: fixed host port binding", async () => {
  const container = await start(
    new GenericContainer(NGINX).withExposedPorts({ container: 80, host: 18080 }).withWaitStrategy(Wait.forListeningPorts()),
  );
  assert.equal(container.getMappedPort(80), 18080);
  const reply = await httpGet(`http://127.0.0.1:18080/`);
  assert.equal(reply.status, 200);
});

test("testcontainers: health check wait", async () => {
  const container = await start(
    redis()
      .withHealthCheck({ test: ["CMD-SHELL", "redis-cli ping | grep -q PONG"], interval: 500, timeout: 2000, retries: 20 })
      .withWaitStrategy(Wait.forHealthCheck()),
  );
  const info = await docker.getContainer(container.getId()).inspect();
  assert.equal(info.State.Health?.Status, "healthy");
  assert.deepEqual(info.Config.Healthcheck.Test, ["CMD-SHELL", "redis-cli ping | grep -q PONG"]);
});

test("testcontainers: successful command wait", async () => {
  const container = await start(redis().withWaitStrategy(Wait.forSuccessfulCommand("redis-cli ping")));
  assert.equal(await redisCommand(container.getHost(), container.getMappedPort(6379), "PING"), "+PONG");
});

test("testcontainers: exec output and exit code", async () => {
  const container = await start(redis().withWaitStrategy(Wait.forLogMessage(REDIS_READY)));

  const ping = await container.exec(["redis-cli", "ping"]);
  assert.equal(ping.exitCode, 0);
  assert.equal(ping.stdout.trim(), "PONG");

  const failing = await container.exec(["sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.equal(failing.exitCode, 3);
  assert.equal(failing.stdout, "out\n");
  assert.equal(failing.stderr, "err\n");

  const options = await container.exec(["sh", "-c", 'echo "$GREETING $(pwd) $(id -u)"'], {
    env: { GREETING: "hello" },
    workingDir: "/tmp",
    user: "nobody",
  });
  assert.equal(options.exitCode, 0);
  assert.equal(options.stdout.trim(), "hello /tmp 65534");
});

test("testcontainers: copy files and content", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-node-copy-"));
  try {
    fs.writeFileSync(path.join(dir, "file.txt"), "from a file\n");
    fs.mkdirSync(path.join(dir, "tree", "sub"), { recursive: true });
    fs.writeFileSync(path.join(dir, "tree", "sub", "leaf.txt"), "leaf\n");

    const container = await start(
      redis()
        .withCopyContentToContainer([{ content: "before start\n", target: "/etc/early.txt" }])
        .withWaitStrategy(Wait.forLogMessage(REDIS_READY)),
    );
    await container.copyFilesToContainer([{ source: path.join(dir, "file.txt"), target: "/opt/copied/file.txt" }]);
    await container.copyContentToContainer([
      { content: "from a string\n", target: "/opt/copied/content.txt", mode: 0o750 },
      { content: Buffer.from("from a buffer\n"), target: "/opt/copied/buffer.txt" },
    ]);
    await container.copyDirectoriesToContainer([{ source: path.join(dir, "tree"), target: "/opt/tree" }]);

    const result = await container.exec([
      "sh",
      "-c",
      "cat /etc/early.txt /opt/copied/file.txt /opt/copied/content.txt /opt/copied/buffer.txt /opt/tree/sub/leaf.txt" +
        " && stat -c %a /opt/copied/content.txt",
    ]);
    assert.equal(result.exitCode, 0, result.output);
    assert.equal(result.stdout, "before start\nfrom a file\nfrom a string\nfrom a buffer\nleaf\n750\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("testcontainers: network alias reaches redis", async () => {
  const network = await new Network().start();
  networks.push(network);
  const server = await start(
    redis().withNetwork(network).withNetworkAliases("cache", "kv").withWaitStrategy(Wait.forLogMessage(REDIS_READY)),
  );
  assert.ok(server.getNetworkNames().includes(network.getName()), `networks: ${server.getNetworkNames()}`);
  assert.match(server.getIpAddress(network.getName()), /^\d+\.\d+\.\d+\.\d+$/);

  const client = await start(
    new GenericContainer(REDIS).withNetwork(network).withCommand(["sleep", "300"]).withWaitStrategy(Wait.forSuccessfulCommand("true")),
  );
  for (const alias of ["cache", "kv"]) {
    const result = await client.exec(["redis-cli", "-h", alias, "ping"]);
    assert.equal(result.exitCode, 0, `redis-cli -h ${alias}: ${result.output}`);
    assert.equal(result.stdout.trim(), "PONG");
  }

  await server.stop();
  await client.stop({ timeout: 1 });
  await network.stop();
  await assert.rejects(docker.getNetwork(network.getId()).inspect(), { statusCode: 404 });
});

test("testcontainers: restart keeps serving", async () => {
  const container = await start(redis().withWaitStrategy(Wait.forLogMessage(REDIS_READY)));
  const before = await docker.getContainer(container.getId()).inspect();
  await container.restart();
  const afterRestart = await docker.getContainer(container.getId()).inspect();
  assert.equal(afterRestart.State.Running, true);
  assert.notEqual(afterRestart.State.StartedAt, before.State.StartedAt);
  assert.equal(await redisCommand(container.getHost(), container.getMappedPort(6379), "PING"), "+PONG");
});

test("testcontainers: stop removes the container", async () => {
  const container = await redis().withWaitStrategy(Wait.forLogMessage(REDIS_READY)).start();
  const id = container.getId();
  await container.stop({ timeout: 5 });
  await assert.rejects(docker.getContainer(id).inspect(), { statusCode: 404 });
});

test("testcontainers: stop without remove", async () => {
  const container = await redis().withWaitStrategy(Wait.forLogMessage(REDIS_READY)).start();
  const id = container.getId();
  try {
    await container.stop({ timeout: 5, remove: false });
    const info = await docker.getContainer(id).inspect();
    assert.equal(info.State.Running, false);
    assert.equal(info.State.Status, "exited");
  } finally {
    await docker.getContainer(id).remove({ force: true, v: true });
  }
});

test("testcontainers: logs stream follows output", async () => {
  let consumed = "";
  const container = await start(
    new GenericContainer(REDIS)
      .withCommand(["sh", "-c", "echo first; sleep 1; echo second >&2; exec sleep 300"])
      .withLogConsumer((stream) => stream.on("data", (chunk) => (consumed += chunk)))
      .withWaitStrategy(Wait.forLogMessage("first")),
  );
  const stream = await container.logs();
  let text;
  try {
    text = await readUntil(stream, /second/);
  } finally {
    stream.destroy();
  }
  assert.match(text, /first\n[^]*second\n/);
  assert.match(consumed, /first/);

  const tail = await container.logs({ tail: 1 });
  try {
    assert.match(await readUntil(tail, /second/), /^second\n$/);
  } finally {
    tail.destroy();
  }
});
