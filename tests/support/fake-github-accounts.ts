// The account the fake GitHub process knows (fake-github-server.ts), for the tests that sign in
// to it through Kiln.
export const e2eGithubLogin = "kiln-e2e";
export const e2eGithubToken = "ghp_kilnE2eToken0123456789abcdef";
