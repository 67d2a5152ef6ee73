import { describe, expect, test } from "vitest";
import { deployBodySchema, parseMemoryLimit } from "./schemas";

describe("parseMemoryLimit", () => {
  test.each([
    ["512m", 512 * 1024 * 1024],
    ["1g", 1024 * 1024 * 1024],
    ["256M", 256 * 1024 * 1024],
    ["1.5g", 1.5 * 1024 * 1024 * 1024],
    ["64mb", 64 * 1024 * 1024],
    ["1024k", 1024 * 1024],
    ["1048576", 1048576],
  ])("%s is %d bytes", (value, bytes) => {
    expect(parseMemoryLimit(value)).toBe(bytes);
  });

  test.each(["", "m", "12x", "-1m", "1 gigabyte", "0x10"])("%j is not a size", (value) => {
    expect(parseMemoryLimit(value)).toBeUndefined();
  });
});

describe("deployBodySchema", () => {
  const base = { project_id: "proj_abc", name: "app" };
  const issue = (body: unknown) => {
    const parsed = deployBodySchema.safeParse(body);
    return parsed.success ? undefined : parsed.error.issues.map((i) => i.path.join("."));
  };

  test("takes seed 002's body, either spelling of the project id, and fills defaults", () => {
    expect(deployBodySchema.parse({ projectId: "proj_abc", name: "app" })).toMatchObject({
      projectId: "proj_abc",
      provider: "local",
      environment: {},
      health_check_path: "/",
    });
    expect(issue({ ...base, port: 8091, cpu_limit: "0.5", memory_limit: "256m" })).toBeUndefined();
  });

  test("names the field it refuses", () => {
    expect(issue({ name: "app" })).toEqual(["project_id"]);
    expect(issue({ ...base, projectId: "proj_other" })).toEqual(["project_id"]);
    expect(issue({ ...base, port: 80 })).toEqual(["port"]);
    expect(issue({ ...base, port: 70_000 })).toEqual(["port"]);
    expect(issue({ ...base, memory_limit: "1m" })).toEqual(["memory_limit"]);
    expect(issue({ ...base, memory_limit: "lots" })).toEqual(["memory_limit"]);
    expect(issue({ ...base, cpu_limit: "0" })).toEqual(["cpu_limit"]);
    expect(issue({ ...base, environment: { PORT: "1" } })).toEqual(["environment"]);
    expect(issue({ ...base, environment: { "1BAD": "x" } })).toEqual(["environment.1BAD"]);
    expect(issue({ ...base, provider: "railway" })).toEqual(["provider"]);
    expect(issue({ ...base, provider: "vercel", port: 8091 })).toEqual(["port"]);
    expect(issue({ ...base, provider: "netlify", memory_limit: "256m" })).toEqual(["memory_limit"]);
    expect(issue({ ...base, provider: "netlify", environment: { A: "1" } })).toEqual([
      "environment",
    ]);
    expect(issue({ ...base, provider: "vercel" })).toBeUndefined();
    expect(issue({ ...base, extra: true })).toEqual([""]);
  });
});
