// The fake GitHub as a process, for Playwright's web servers and for trying Kiln by hand:
// `node tests/support/fake-github-server.ts --port 3212`, then GITHUB_API_URL at it. It knows
// one account (fake-github-accounts.ts) with a few repositories and an organisation.
import { parseArgs } from "node:util";
import { startFakeGithub } from "./fake-github.ts";
import { e2eGithubLogin, e2eGithubToken } from "./fake-github-accounts.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "3212" } } });
const github = await startFakeGithub({ port: Number(values.port) });
github.addUser({
  login: e2eGithubLogin,
  name: "Kiln E2E",
  repos: [
    { name: "todo-app", language: "TypeScript", description: "A small todo app" },
    { name: "notes", private: true, language: "Python" },
  ],
});
github.addOrg({ login: "kiln-org", members: [e2eGithubLogin], repos: [{ name: "platform" }] });
github.addGitRepo({
  owner: e2eGithubLogin,
  name: "todo-app",
  files: {
    "README.md": "# Todo app\n",
    "index.html": "<!doctype html><title>Todos</title><h1>Todos</h1>\n",
    "src/app.js": "export const todos = [];\n",
  },
});
github.addToken(e2eGithubToken, e2eGithubLogin);
console.log(`fake GitHub on ${github.url}`);
