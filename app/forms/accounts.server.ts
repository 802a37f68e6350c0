import { z } from "zod";
import { PASSWORD_MAX, PASSWORD_MIN, passwordLength } from "~/auth/passwords.server";
import { msg } from "./parse.server";

/** Schemas of the sign-up, login and password forms. */

const text = z.string({ error: msg("error.required") });

export const emailField = text
  .trim()
  .min(1, msg("error.required"))
  .max(254, msg("error.email"))
  // Line breaks in an address could smuggle a header into an email.
  .refine((value) => !/[\r\n]/.test(value), msg("error.email"))
  .pipe(z.email(msg("error.email")));

/** A new password: length in code points, nothing trimmed (spaces are characters too). */
export const newPasswordField = text
  .refine((value) => value.length > 0, msg("error.required"))
  .refine((value) => value.length === 0 || passwordLength(value) >= PASSWORD_MIN, msg("error.passwordShort"))
  .refine((value) => passwordLength(value) <= PASSWORD_MAX, msg("error.passwordLong"));

export const signupSchema = z.object({
  email: emailField,
  password: newPasswordField,
  displayName: z.string().trim().max(100, msg("error.tooLong")).default(""),
});

/**
 * Login does not apply the new-password rules: someone whose password predates a rule must
 * still get in. Only an upper bound, so nobody makes us hash a megabyte.
 */
export const loginSchema = z.object({
  email: emailField,
  password: text.min(1, msg("error.required")).max(1024, msg("error.passwordLong")),
});

export const forgotPasswordSchema = z.object({ email: emailField });

export const resetPasswordSchema = z.object({ password: newPasswordField });

export const inviteSchema = z.object({
  email: emailField,
  role: z.enum(["owner", "organiser"], { error: msg("error.role") }),
});
