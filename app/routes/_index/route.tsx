import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";

import { login } from "~/shopify.server";

import styles from "./styles.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

// The public landing page. Shopify admin opens the app at /app; a request that already names a
// shop (an install link, a merchant's bookmark) goes straight there.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return json({ showForm: Boolean(login) });
};

export default function Landing() {
  const { showForm } = useLoaderData<typeof loader>();
  return (
    <main className="landing">
      <h1>Photo Studio</h1>
      <p>Marketplace-ready product photos without leaving Shopify admin.</p>
      {showForm ? (
        <Form method="post" action="/auth/login" className="landing-form">
          <label>
            <span>Shop domain</span>
            <input type="text" name="shop" placeholder="my-store.myshopify.com" />
          </label>
          <button type="submit">Log in</button>
        </Form>
      ) : null}
      <ul>
        <li>
          Background removal, marketplace presets and batch edits for a few products or a whole
          catalog.
        </li>
        <li>
          Review every image before it reaches your store; originals are kept so any change can be
          undone.
        </li>
        <li>Your photos stay private and are never used to train models.</li>
      </ul>
    </main>
  );
}
