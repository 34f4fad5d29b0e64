// A helper inside the program's folder.
export function one(): number {
  return 1;
}
