import "next-auth/jwt";

declare module "next-auth/jwt" {
  // Module augmentation needs an interface.
  interface JWT {
    /** The `Session` row this cookie stands for (lib/data/users.ts); deleting the row ends it. */
    sid?: string;
    /** Absolute end (epoch seconds) of a session re-issued by an OAuth link: it never outlives the sign-in. */
    abs?: number;
  }
}
