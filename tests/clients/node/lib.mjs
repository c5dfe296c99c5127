// SPDX-License-Identifier: Apache-2.0
//
// Shared helpers of the Node client tests. The images are the test images
// that tests/integration/clients-node.sh loads into the test daemon, whose
// socket DOCKER_HOST names.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const BUSYBOX = process.env.SL_NODE_BUSYBOX ?? "sockerless-test/busybox:1.35";
export const REDIS = process.env.SL_NODE_REDIS ?? "sockerless-test/redis:7.0";
export const NGINX = process.env.SL_NODE_NGINX ?? "sockerless-test/nginx:1.22";
export const DEBIAN = process.env.SL_NODE_DEBIAN ?? "sockerless-test/debian:bookworm";

// Label on everything the tests create, so that a test can filter on it.
export const TEST_LABEL = "org.sockerless.test";

// Send one Redis inline command over TCP and return the first reply line.
export function redisCommand(host, port, command, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let reply = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply from ${host}:${port} in ${timeoutMs} ms`)));
    socket.on("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk;
      const end = reply.indexOf("\r\n");
      if (end >= 0) {
        socket.end();
        resolve(reply.slice(0, end));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`connection to ${host}:${port} closed before a reply: '${reply}'`)));
  });
}

// GET a URL and return { status, body }.
export function httpGet(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, body }));
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

// Call check until it returns a truthy value or timeoutMs passes, and
// return the last value.
export async function waitFor(check, timeoutMs = 10000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await check();
  }
  return value;
}

// Read a stream until its text matches pattern, or reject after timeoutMs.
export function readUntil(stream, pattern, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => finish(new Error(`stream did not match ${pattern} in ${timeoutMs} ms: '${text}'`)), timeoutMs);
    const onData = (chunk) => {
      text += chunk.toString();
      if (pattern.test(text)) finish(null);
    };
    const onEnd = () => finish(new Error(`stream ended before it matched ${pattern}: '${text}'`));
    function finish(error) {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      if (error) reject(error);
      else resolve(text);
    }
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", (error) => finish(error));
  });
}

// Run the docker CLI (DOCKER_HOST names the test daemon) and return its
// trimmed stdout. Throws an error with its stderr when it exits non-zero.
export function dockerCli(...args) {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: 120000 });
  if (result.status !== 0)
    throw new Error(`docker ${args.join(" ")} exited with ${result.status ?? result.signal}: ${result.stderr}`);
  return result.stdout.trim();
}

// Build image `tag` from `base` without docker build: copy files into a
// created container, then commit it with Dockerfile-style changes.
// files maps container paths to { content, mode } or { source }, a host
// file or directory.
export function commitImage(base, tag, files, changes = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-node-image-"));
  const id = dockerCli("create", base, "true");
  try {
    for (const [index, [target, file]] of Object.entries(files).entries()) {
      fs.mkdirSync(path.join(dir, String(index)));
      const local = path.join(dir, String(index), path.basename(target));
      if (file.source) {
        fs.cpSync(file.source, local, { recursive: true, dereference: true });
      } else {
        fs.writeFileSync(local, file.content);
        fs.chmodSync(local, file.mode ?? 0o644);
      }
      dockerCli("cp", local, `${id}:${target}`);
    }
    dockerCli("commit", ...changes.flatMap((change) => ["--change", change]), id, tag);
  } finally {
    dockerCli("rm", "-f", id);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
