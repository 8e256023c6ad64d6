import Trash2Icon from "lucide-react/icons/trash-2";
import { buttonClasses } from "@/components/ui/button";

/**
 * A row's "Delete" on a list of build profiles: a server-rendered button that DeleteProfileList
 * (its client ancestor) answers by opening its one dialog for this profile.
 */
export function DeleteProfileRowButton({ id, name }: { id: string; name: string }) {
  return (
    <button type="button" data-delete-profile={id} data-profile-name={name} className={buttonClasses("ghost", "text-red-700", "sm")} aria-label={`Delete ${name}`}>
      <Trash2Icon className="h-4 w-4" aria-hidden="true" />
      Delete
    </button>
  );
}
