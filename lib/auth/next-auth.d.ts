import "next-auth/jwt";

declare module "next-auth/jwt" {
  // Module augmentation needs an interface.
  interface JWT {
    /** Session version at sign-in; must equal the user's current one. */
    sv?: number;
    /** Absolute end (epoch seconds) of a session re-issued by an OAuth link: it never outlives the sign-in. */
    abs?: number;
  }
}
