export interface Person {
  id: string;
  name: string;
}

export interface DrawFailure {
  reason: 'no_possible_giftee' | 'no_possible_santa' | 'hall_violation' | 'not_strongly_connected' | 'no_single_loop';
  members: Person[];
  receivers?: Person[];
  components?: Person[][];
}

function names(people: Person[]): string {
  const list = people.map((p) => p.name);
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** The failure in words, for the 422 message and the admin page ("Ann cannot give to anyone"). */
export function describeDrawFailure(failure: DrawFailure): string {
  switch (failure.reason) {
    case 'no_possible_giftee':
      return `${names(failure.members)} cannot give to anyone`;
    case 'no_possible_santa':
      return `Nobody can give to ${names(failure.members)}`;
    case 'hall_violation':
      return `${names(failure.members)} may only give to ${names(failure.receivers ?? [])}: too few people for them`;
    case 'not_strongly_connected':
      return `The exclusions split the group into circles that cannot form one loop: ${(failure.components ?? []).map((c) => `{${names(c)}}`).join(', ')}`;
    case 'no_single_loop':
      return 'No single loop through everybody respects the exclusions';
  }
}
