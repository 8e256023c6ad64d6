import "next-auth/jwt";

declare module "next-auth/jwt" {
  // Module augmentation needs an interface.
  interface JWT {
    /** Session version at sign-in; must equal the user's current one. */
    sv?: number;
  }
}
