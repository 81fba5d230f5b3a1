export function banner() {
  return "deployed by an agent, claimable by a human";
}
