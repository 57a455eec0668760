import type { Metadata } from "next";
import { Header } from "../components/Header";
import { UserProvider } from "../components/UserProvider";
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
        <UserProvider>
          <Header />
          <main>{children}</main>
        </UserProvider>
      </body>
    </html>
  );
}
