import { createContext, useContext } from "react";

/**
 * The CSP nonce of this response, for <Scripts> and <ScrollRestoration>. Only the server
 * knows it; in the browser it is empty, as the browser hides nonce attributes anyway.
 */
const NonceContext = createContext("");
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
