import { registerTemplate, type RegisteredTemplate } from "./components/template";
import * as test from "./test";
import * as invitation from "./invitation";
import * as passwordReset from "./password-reset";
import * as signupConfirm from "./signup-confirm";
import * as signupExisting from "./signup-existing";
import * as receipt from "./receipt";
import * as goalMet from "./goal-met";
import * as followConfirm from "./follow-confirm";
import * as newUpdate from "./new-update";

/**
 * Every email kind and its template. Adding a kind is one file in emails/ (schema, subject,
 * default-exported component with PreviewProps) plus one line here.
 */
export const emailTemplates: Record<string, RegisteredTemplate> = {
  test: registerTemplate(test),
  "password-reset": registerTemplate(passwordReset),
  "signup-confirm": registerTemplate(signupConfirm),
  "signup-existing": registerTemplate(signupExisting),
  invitation: registerTemplate(invitation),
  receipt: registerTemplate(receipt),
  "goal-met": registerTemplate(goalMet),
  "follow-confirm": registerTemplate(followConfirm),
  "new-update": registerTemplate(newUpdate),
};
