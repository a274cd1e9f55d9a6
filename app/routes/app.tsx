import type {
  HeadersFunction,
  LinksFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Link,
  Outlet,
  useLoaderData,
  useLocation,
  useNavigation,
  useRouteError,
} from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";

import { HomeSkeleton } from "~/components/home/home-skeleton";
import { getEnv } from "~/env.server";
import { useLiveNotificationToasts } from "~/notifications/use-notification-toasts";
import { authenticate } from "~/shopify.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

// The document's title for pages that name none of their own (a page's `meta` replaces it).
export const meta: MetaFunction = () => [{ title: "Photo Studio" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  // The client ID is the only configuration the browser sees: App Bridge needs it (root.tsx).
  return json({ apiKey: getEnv().apiKey });
};

export default function App() {
  const { apiKey } = useLoaderData<typeof loader>();
  useLiveNotificationToasts();
  const navigation = useNavigation();
  const location = useLocation();
  // Going home from another page shows the home page's skeleton until its data is there.
  const goingHome =
    navigation.state === "loading" &&
    navigation.location.pathname.replace(/\/$/, "") === "/app" &&
    location.pathname.replace(/\/$/, "") !== "/app";
  // App Bridge's script tag is rendered by root.tsx as the first script in <head>, where Shopify
  // requires it. shopify-app-remix's AppProvider would add a second copy in <body>: in its source
  // `isEmbeddedApp` only decides whether it renders that tag, so `false` keeps the rest of what
  // it does (Polaris provider, Remix links, routing `shopify:navigate` from the admin's nav menu).
  return (
    <AppProvider isEmbeddedApp={false} apiKey={apiKey}>
      <NavMenu>
        <Link to="/app" rel="home">
          Home
        </Link>
        <Link to="/app/products">Products</Link>
        <Link to="/app/audit">Catalog health</Link>
        <Link to="/app/jobs">Jobs</Link>
        <Link to="/app/history">History</Link>
        <Link to="/app/plans">Plans</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      {goingHome ? <HomeSkeleton /> : <Outlet />}
    </AppProvider>
  );
}

// Shopify needs its own error boundary and headers on embedded routes so that auth redirects
// (which are thrown as responses) escape the iframe correctly.
// https://shopify.dev/docs/api/shopify-app-remix/v3/guide-error-boundaries
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
