import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef } from "react";

export interface ActionResult {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
}

/** Shows an action's answer as an App Bridge toast, once per answer. */
export function useActionToast(result: ActionResult | undefined) {
  const shopify = useAppBridge();
  const shown = useRef<ActionResult | undefined>(undefined);
  useEffect(() => {
    if (!result || shown.current === result) return;
    shown.current = result;
    const message =
      result.message || Object.values(result.fieldErrors ?? {})[0] || "Something went wrong.";
    shopify.toast.show(message, { isError: !result.ok });
  }, [result, shopify]);
}
