// SPDX-License-Identifier: Apache-2.0
//
// dockerode against the test daemon: system calls, the container life
// cycle with logs and exec, image tags, volumes, networks and the event
// stream with filters.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { BUSYBOX, TEST_LABEL, readUntil, waitFor } from "./lib.mjs";

const docker = new Docker();
const run = `dockerode-${process.pid}`;
const labels = { [TEST_LABEL]: run };

after(async () => {
  for (const info of await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${run}`] } }))
    await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => {});
  for (const info of await docker.listNetworks({ filters: { label: [`${TEST_LABEL}=${run}`] } }))
    await docker.getNetwork(info.Id).remove().catch(() => {});
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${TEST_LABEL}=${run}`] } });
  for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
});

// Split a multiplexed stdout/stderr stream (no TTY) into two strings.
async function demux(stream) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  return { stdout: out, stderr: err };
}

// Run a command in a container through exec and return its output and exit code.
async function execIn(container, cmd, options = {}) {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...options });
  const stream = await exec.start({ hijack: true, stdin: false });
  const output = await demux(stream);
  const info = await exec.inspect();
  return { ...output, exitCode: info.ExitCode, info };
}

test("dockerode: ping version and info", async () => {
  assert.equal((await docker.ping()).toString(), "OK");
  const version = await docker.version();
  assert.match(version.ApiVersion, /^1\.\d+$/);
  assert.equal(version.Os, "linux");
  const info = await docker.info();
  assert.equal(typeof info.Containers, "number");
  assert.equal(info.OSType, "linux");
});

test("dockerode: container life cycle", async () => {
  const container = await docker.createContainer({
    Image: BUSYBOX,
    name: `${run}-life`,
    Cmd: ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exec sleep 300"],
    Env: ["GREETING=hello"],
    Labels: { ...labels, role: "life" },
    HostConfig: { Init: false },
  });
  let info = await container.inspect();
  assert.equal(info.State.Status, "created");
  assert.equal(info.Name, `/${run}-life`);
  assert.ok(info.Config.Env.includes("GREETING=hello"));

  await container.start();
  info = await container.inspect();
  assert.equal(info.State.Running, true);
  assert.ok(info.State.Pid > 0);

  const listed = await docker.listContainers({ filters: { label: [`role=life`, `${TEST_LABEL}=${run}`] } });
  assert.deepEqual(
    listed.map((entry) => entry.Id),
    [container.id],
  );
  assert.equal(listed[0].State, "running");
  assert.deepEqual(listed[0].Names, [`/${run}-life`]);

  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  try {
    const followed = new PassThrough();
    docker.modem.demuxStream(stream, followed, followed);
    await readUntil(followed, /to-stdout\n[^]*to-stderr\n|to-stderr\n[^]*to-stdout\n/);
  } finally {
    stream.destroy();
  }

  const logs = await container.logs({ stdout: true, stderr: false });
  assert.match(logs.toString(), /to-stdout/);
  assert.doesNotMatch(logs.toString(), /to-stderr/);

  await container.stop({ t: 1 });
  const wait = await container.wait();
  assert.equal(typeof wait.StatusCode, "number");
  info = await container.inspect();
  assert.equal(info.State.Status, "exited");

  await container.remove();
  await assert.rejects(container.inspect(), { statusCode: 404 });
});

test("dockerode: wait returns the exit code", async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sh", "-c", "exit 7"], Labels: labels });
  await container.start();
  assert.deepEqual(await container.wait(), { StatusCode: 7, Error: null });
  await container.remove();
});

test("dockerode: exec output exit code and options", async () => {
  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "300"], Labels: labels });
  await container.start();

  const result = await execIn(container, ["sh", "-c", "echo out; echo err >&2; exit 5"]);
  assert.equal(result.stdout, "out\n");
  assert.equal(result.stderr, "err\n");
  assert.equal(result.exitCode, 5);
  assert.equal(result.info.Running, false);

  const options = await execIn(container, ["sh", "-c", 'echo "$A $(pwd) $(id -u)"'], {
    Env: ["A=b"],
    WorkingDir: "/tmp",
    User: "1234",
  });
  assert.equal(options.stdout, "b /tmp 1234\n");
  assert.equal(options.exitCode, 0);

  const exec = await container.exec({ Cmd: ["cat"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  const output = demux(stream);
  stream.end("piped through stdin\n");
  assert.equal((await output).stdout, "piped through stdin\n");

  await container.remove({ force: true });
});

test("dockerode: image list tag and inspect", async () => {
  const images = await docker.listImages();
  const busybox = images.find((image) => image.RepoTags?.includes(BUSYBOX));
  assert.ok(busybox, `${BUSYBOX} in ${JSON.stringify(images.map((image) => image.RepoTags))}`);

  const image = docker.getImage(BUSYBOX);
  const tag = `${run}:tagged`;
  await image.tag({ repo: run, tag: "tagged" });
  const tagged = await docker.getImage(tag).inspect();
  assert.equal(tagged.Id, busybox.Id);
  assert.ok(tagged.RepoTags.includes(`${run}:tagged`));
  assert.equal(tagged.Os, "linux");
  assert.deepEqual(tagged.Config.Cmd, ["sh"]);

  const filtered = await docker.listImages({ filters: { reference: [`${run}:*`] } });
  assert.deepEqual(
    filtered.map((entry) => entry.Id),
    [busybox.Id],
  );

  const history = await image.history();
  assert.ok(history.length >= 1);

  const removed = await docker.getImage(tag).remove();
  assert.deepEqual(removed, [{ Untagged: tag }]);
  await assert.rejects(docker.getImage(tag).inspect(), { statusCode: 404 });
  await assert.rejects(docker.getImage(`${run}:missing`).inspect(), { statusCode: 404 });
});

test("dockerode: volume calls", async () => {
  const name = `${run}-volume`;
  const volume = await docker.createVolume({ Name: name, Labels: labels });
  assert.equal(volume.name, name);
  const info = await volume.inspect();
  assert.equal(info.Name, name);
  assert.equal(info.Driver, "local");
  assert.equal(info.Labels[TEST_LABEL], run);
  assert.match(info.Mountpoint, /\/_data$/);

  const { Volumes } = await docker.listVolumes({ filters: { name: [name] } });
  assert.deepEqual(
    Volumes.map((entry) => entry.Name),
    [name],
  );

  const container = await docker.createContainer({
    Image: BUSYBOX,
    Cmd: ["sh", "-c", "echo kept > /data/file"],
    Labels: labels,
    HostConfig: { Binds: [`${name}:/data`] },
  });
  await container.start();
  assert.equal((await container.wait()).StatusCode, 0);
  await assert.rejects(volume.remove(), { statusCode: 409 });
  await container.remove();

  const reader = await docker.createContainer({
    Image: BUSYBOX,
    Cmd: ["cat", "/data/file"],
    Labels: labels,
    HostConfig: { Mounts: [{ Type: "volume", Source: name, Target: "/data", ReadOnly: true }] },
  });
  await reader.start();
  await reader.wait();
  assert.match((await reader.logs({ stdout: true })).toString(), /kept/);
  await reader.remove();

  await volume.remove();
  await assert.rejects(volume.inspect(), { statusCode: 404 });
});

test("dockerode: network calls", async () => {
  const name = `${run}-net`;
  const network = await docker.createNetwork({ Name: name, Driver: "bridge", Labels: labels, CheckDuplicate: true });
  const info = await network.inspect();
  assert.equal(info.Name, name);
  assert.equal(info.Driver, "bridge");
  assert.equal(info.Labels[TEST_LABEL], run);
  assert.ok(info.IPAM.Config.length >= 1);

  const listed = await docker.listNetworks({ filters: { name: [name] } });
  assert.deepEqual(
    listed.map((entry) => entry.Id),
    [network.id],
  );

  const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "300"], Labels: labels });
  await container.start();
  await network.connect({ Container: container.id, EndpointConfig: { Aliases: ["dockerode-alias"] } });
  let containerInfo = await container.inspect();
  const endpoint = containerInfo.NetworkSettings.Networks[name];
  assert.ok(endpoint, `networks: ${Object.keys(containerInfo.NetworkSettings.Networks)}`);
  assert.equal(endpoint.NetworkID, network.id);
  assert.ok(endpoint.Aliases.includes("dockerode-alias"));
  assert.match(endpoint.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);

  const withContainer = await network.inspect();
  assert.ok(withContainer.Containers[container.id], "network lists the connected container");

  const address = await execIn(container, ["ip", "-4", "-o", "addr", "show"]);
  assert.match(address.stdout, new RegExp(endpoint.IPAddress.replaceAll(".", "\\.")));

  await network.disconnect({ Container: container.id });
  containerInfo = await container.inspect();
  assert.equal(containerInfo.NetworkSettings.Networks[name], undefined);

  await container.remove({ force: true });
  await network.remove();
  await assert.rejects(network.inspect(), { statusCode: 404 });
});

test("dockerode: events with filters", async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const stream = await docker.getEvents({
    filters: { type: ["container"], label: [`${TEST_LABEL}=${run}-events`] },
  });
  const events = [];
  let buffered = "";
  stream.on("data", (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      events.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
    }
  });

  // A container without the label, whose events the filter drops.
  let container;
  try {
    const other = await docker.createContainer({ Image: BUSYBOX, Cmd: ["true"], Labels: labels });
    container = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ["true"],
      Labels: { ...labels, [TEST_LABEL]: `${run}-events` },
    });
    await container.start();
    await container.wait();
    await container.remove();
    await other.remove();
    await waitFor(() => events.some((event) => event.Action === "destroy"), 10000);
  } finally {
    // An open event stream would keep the test process running.
    stream.destroy();
  }

  assert.deepEqual(
    events.map((event) => event.Action),
    ["create", "start", "die", "destroy"],
  );
  for (const event of events) {
    assert.equal(event.Type, "container");
    assert.equal(event.Actor.ID, container.id);
    assert.equal(event.Actor.Attributes[TEST_LABEL], `${run}-events`);
  }
  assert.equal(events[2].Actor.Attributes.exitCode, "0");

  // The same events read back with since and until, filtered by action.
  const until = Math.floor(Date.now() / 1000) + 1;
  const past = await docker.getEvents({
    since,
    until,
    filters: { event: ["die"], container: [container.id] },
  });
  const text = await new Promise((resolve, reject) => {
    let body = "";
    past.on("data", (chunk) => (body += chunk));
    past.on("end", () => resolve(body));
    past.on("error", reject);
  });
  const dies = text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    dies.map((event) => [event.Action, event.id]),
    [["die", container.id]],
  );
});
