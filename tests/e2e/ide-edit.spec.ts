import { expect, test } from "@playwright/test";
import { build, edit, shot, signUp } from "./ide-steps";

test("editing by chat: the model's answer shows and the code view holds the edited fragment", async ({
  page,
}) => {
  await signUp(page, "ide-edit");
  await build(page, "Build a click counter page");
  const code = page.getByTestId("code-view");
  await expect(code).not.toContainText('<h1 class="hello">');
  await edit(page);
  await expect(code).toContainText('<h1 class="hello">');
  await shot(page, "ide-04-edited");
});
