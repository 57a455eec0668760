import type { Metadata } from "next";
import { Header } from "../components/Header";
import { SessionGate, SessionProvider } from "../components/SessionProvider";
import "./globals.css";

export const metadata: Metadata = {
  title: "Stock Analyst",
  description: "Ask the stock analysis agent and follow its work live.",
  icons: { icon: "/favicon.svg" },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SessionProvider>
          <Header />
          <main>
            <SessionGate>{children}</SessionGate>
          </main>
        </SessionProvider>
      </body>
    </html>
  );
}
