/**
 * Embedded name lists: common given names in England and Wales by sex and generation (after the
 * ONS baby-names tables: adults born roughly 1965-2005, children born 2006 onwards) and common
 * surnames, including hyphenated and double-barrelled forms and O'/Mc/Mac forms that trip up
 * naive matching. Synthetic people only: any resemblance to a real person is coincidence.
 */

export const ADULT_FEMALE_GIVEN = [
  'Sarah', 'Claire', 'Emma', 'Lisa', 'Nicola', 'Rachel', 'Laura', 'Gemma', 'Kelly', 'Michelle',
  'Joanne', 'Rebecca', 'Samantha', 'Amy', 'Hannah', 'Jessica', 'Charlotte', 'Lauren', 'Stacey',
  'Katie', 'Danielle', 'Victoria', 'Louise', 'Helen', 'Karen', 'Donna', 'Amanda', 'Natalie',
  'Kirsty', 'Zoe', 'Jade', 'Leanne', 'Hayley', 'Sophie', 'Jennifer', 'Elizabeth', 'Catherine',
  'Joanna', 'Emily', 'Chloe', 'Kerry', 'Tracey', 'Dawn', 'Angela', 'Susan', 'Julie', 'Siobhan',
  'Aisha', 'Fatima', 'Nadia', 'Ayesha', 'Shabana', 'Priya', 'Anita', 'Agnieszka', 'Katarzyna',
  'Chantelle', 'Precious', 'Blessing', 'Grace', 'Ioana', 'Roxana', 'Ewa', 'Megan', 'Bethany',
] as const;

export const ADULT_MALE_GIVEN = [
  'David', 'Paul', 'Mark', 'Andrew', 'Richard', 'Daniel', 'Christopher', 'James', 'Michael',
  'Matthew', 'Stephen', 'Lee', 'Craig', 'Darren', 'Wayne', 'Jason', 'Gary', 'Stuart', 'Jamie',
  'Thomas', 'Adam', 'Ryan', 'Ben', 'Luke', 'Liam', 'Dean', 'Kevin', 'Simon', 'Robert', 'John',
  'Anthony', 'Martin', 'Neil', 'Carl', 'Scott', 'Shaun', 'Nathan', 'Joshua', 'Jack', 'Connor',
  'Kyle', 'Jordan', 'Aaron', 'Mohammed', 'Muhammad', 'Imran', 'Tariq', 'Asif', 'Rajesh',
  'Sanjay', 'Piotr', 'Tomasz', 'Marcin', 'Andrei', 'Chinedu', 'Emeka', 'Kwame', 'Sean', 'Declan',
  'Gareth', 'Rhys', 'Callum', 'William', 'Peter', 'Alan',
] as const;

export const ELDER_FEMALE_GIVEN = [
  'Margaret', 'Patricia', 'Susan', 'Linda', 'Christine', 'Janet', 'Barbara', 'Carol', 'Jean',
  'Maureen', 'Sandra', 'Elaine', 'Pauline', 'Valerie', 'Brenda', 'Jacqueline', 'Gillian', 'Ann',
  'Sheila', 'Kathleen', 'Doreen', 'Irene', 'Joan', 'Marion', 'Shirley', 'Wendy', 'Lynne',
  'Beverley', 'Hazel', 'Rita',
] as const;

export const ELDER_MALE_GIVEN = [
  'John', 'David', 'Michael', 'Peter', 'Robert', 'Alan', 'Brian', 'Keith', 'Graham', 'Colin',
  'Kenneth', 'Derek', 'Roger', 'Terence', 'Anthony', 'Malcolm', 'Raymond', 'Barry', 'Geoffrey',
  'Trevor', 'Dennis', 'Ronald', 'Philip', 'Stephen', 'Christopher', 'Ian', 'Nigel', 'Clive',
  'Gordon', 'Leslie',
] as const;

export const CHILD_FEMALE_GIVEN = [
  'Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Isabella', 'Sophia', 'Grace',
  'Freya', 'Willow', 'Florence', 'Emily', 'Ella', 'Poppy', 'Evie', 'Elsie', 'Charlotte', 'Rosie',
  'Daisy', 'Sienna', 'Phoebe', 'Harper', 'Evelyn', 'Matilda', 'Ruby', 'Millie', 'Jessica',
  'Chloe', 'Lola', 'Erin', 'Maisie', 'Ellie', 'Holly', 'Layla', 'Aria', 'Scarlett', 'Esme',
  'Hallie', 'Nevaeh', 'Amira', 'Maryam', 'Zara', 'Hafsa', 'Inaya', 'Aaliyah', 'Oliwia', 'Zuzanna',
  'Tiana', 'Kacey-Mae', 'Lacey', 'Skye', 'Megan', 'Leah', 'Niamh', 'Hannah', 'Madison', 'Eva',
  'Summer', 'Violet', 'Imogen', 'Bethany', 'Keira',
] as const;

export const CHILD_MALE_GIVEN = [
  'Oliver', 'George', 'Noah', 'Arthur', 'Muhammad', 'Leo', 'Harry', 'Oscar', 'Archie', 'Henry',
  'Theodore', 'Freddie', 'Jack', 'Charlie', 'Theo', 'Alfie', 'Jacob', 'Thomas', 'Finley',
  'Lucas', 'Isaac', 'Tommy', 'Teddy', 'Joshua', 'James', 'William', 'Alexander', 'Max', 'Reggie',
  'Mason', 'Ethan', 'Logan', 'Dylan', 'Riley', 'Kai', 'Harrison', 'Louie', 'Ronnie', 'Albie',
  'Jayden', 'Tyler', 'Kian', 'Callum', 'Lewis', 'Brandon', 'Ayaan', 'Yusuf', 'Ibrahim', 'Zayn',
  'Jakub', 'Filip', 'Kacper', 'Tobias', 'Reuben', 'Rory', 'Ollie', 'Sonny', 'Frankie', 'Elijah',
  'Samuel', 'Daniel', 'Caleb', 'Jenson', 'Bobby',
] as const;

export const SURNAMES = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas',
  'Johnson', 'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes',
  'Green', 'Hall', 'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin',
  'Cooper', 'Hill', 'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison',
  'Morgan', 'Allen', 'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price',
  'Bennett', 'Young', 'Griffiths', 'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey',
  'Collins', 'Bell', 'Shaw', 'Murphy', 'Miller', 'Cox', 'Richards', 'Khan', 'Marshall',
  'Anderson', 'Simpson', 'Ellis', 'Adams', 'Sandhu', 'Miah', 'Wilkinson', 'Foster', 'Chapman',
  'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali', 'Hunt', 'Hussain', 'Campbell', 'Matthews',
  'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight', 'Lloyd', 'Butler', 'Russell',
  'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Dixon', 'Fletcher', 'Ahmed', 'Hussein', 'Akhtar',
  'Gill', 'Sharma', 'Nowak', 'Kowalczyk', 'Wójcik', 'Popescu', 'Okafor', 'Adeyemi', 'Mensah',
  'Nguyen', 'Chowdhury', 'Rahman', 'Abbott', 'Ashworth', 'Blackwood', 'Cartwright', 'Dunmore',
  "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "O'Reilly", "O'Hara",
  'McDonald', 'McKenzie', 'McCarthy', 'McLaughlin', 'McGregor', 'MacLeod', 'MacDonald', 'Mackay',
  'Smith-Jones', 'Taylor-Reid', 'Lloyd-Davies', 'Hughes-Griffin', 'Ashworth-Reid',
  'Bowes-Lyon', 'Fox-Martin', 'Wynne-Jones', 'Clarke-Hussain', 'Okafor-Mills',
  'Vaughan Williams', 'Lloyd George', 'Bonham Carter', 'Ap Rhys', 'De Souza', 'Van der Berg',
] as const;

/** A handful of common nickname/variant pairs, for the name noise later agency views apply. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  William: ['Will', 'Bill', 'Billy', 'Liam'],
  Elizabeth: ['Liz', 'Beth', 'Lizzie', 'Eliza'],
  Alexander: ['Alex', 'Xander', 'Sandy'],
  Thomas: ['Tom', 'Tommy'],
  Joshua: ['Josh'],
  Samuel: ['Sam', 'Sammy'],
  Daniel: ['Dan', 'Danny'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  Jessica: ['Jess', 'Jessie'],
  Rebecca: ['Becky', 'Becca'],
  Samantha: ['Sam', 'Sammy'],
  Katie: ['Kate', 'Katy'],
  Catherine: ['Cathy', 'Kate', 'Kath'],
  Victoria: ['Vicky', 'Tori'],
  Michael: ['Mike', 'Mick', 'Micky'],
  Christopher: ['Chris'],
  Matthew: ['Matt'],
  Andrew: ['Andy', 'Drew'],
  Anthony: ['Tony', 'Ant'],
  Robert: ['Rob', 'Bob', 'Bobby'],
  Richard: ['Rich', 'Rick', 'Dick'],
  Stephen: ['Steve', 'Stevie'],
  Jacob: ['Jake'],
  Oliver: ['Ollie', 'Olly'],
  Theodore: ['Theo', 'Teddy'],
  Frederick: ['Freddie', 'Fred'],
  Isabella: ['Bella', 'Izzy'],
  Amelia: ['Millie', 'Amy'],
  Florence: ['Flo', 'Florrie'],
  Matilda: ['Tilly', 'Tilda'],
  Margaret: ['Maggie', 'Peggy'],
  Muhammad: ['Mohammed', 'Mohammad'],
  Mohammed: ['Muhammad', 'Mohammad'],
};
