"""TwentyQuestions-v0: the oracle's answers in any phrasing, guesses, rewards and the expert."""

from __future__ import annotations

import itertools
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite.agents import make_agent
from rlbench_suite.envs.language.qa import DONT_KNOW, DONT_UNDERSTAND
from rlbench_suite.envs.language.twenty_questions import (
    CORRECT_GUESS,
    NO,
    ONE_AT_A_TIME,
    UNKNOWN_ANSWER,
    YES,
    TwentyQuestionsEnv,
    held_out_objects,
    load_knowledge,
    object_oracle,
    parse_utterance,
    question_bank,
    word_forms,
)

ENV_ID = "rlbench/TwentyQuestions-v0"
KNOWLEDGE = load_knowledge()
OBJECTS = {record["name"]: record for record in KNOWLEDGE.objects}
Y, N, U = YES, NO, UNKNOWN_ANSWER
K, D = DONT_KNOW, DONT_UNDERSTAND

#: Hand-written by common sense (not read from the knowledge base): object, question, answer.
#: Paraphrases of one question sit together; cells a person could answer either way are left out.
ORACLE_TABLE = [
    # -- alive, in many phrasings, case and punctuation
    ("dog", "Is it alive?", Y),
    ("dog", "is it a living thing", Y),
    ("dog", "IS IT ALIVE???", Y),
    ("dog", "  is it... alive  ", Y),
    ("dog", "Is it a living creature?", Y),
    ("dog", "Would you say it is alive?", Y),
    ("dog", "Is it alive or not?", Y),
    ("dog", "Yes or no: is it alive?", Y),
    ("oak tree", "Is it alive?", Y),
    ("grass", "Is it a living thing?", Y),
    ("rose", "Is it alive?", Y),
    ("car", "Is it alive?", N),
    ("car", "Is it a living thing?", N),
    ("knife", "Is it alive?", N),
    ("teddy bear", "Is it alive?", N),
    ("pizza", "Is it alive?", N),
    ("car", "Is it inanimate?", Y),
    ("car", "Is it non-living?", Y),
    ("dog", "Is it nonliving?", N),
    # -- animals and kinds of animal
    ("dog", "Is it an animal?", Y),
    ("dog", "Is it a creature?", Y),
    ("eagle", "Is it an animal?", Y),
    ("bee", "Is it an animal?", Y),
    ("shark", "Is it an animal?", Y),
    ("car", "Is it an animal?", N),
    ("teddy bear", "Is it an animal?", N),
    ("rubber duck", "Is it an animal?", N),
    ("apple", "Is it an animal?", N),
    ("seaweed", "Is it an animal?", N),
    ("dog", "Is it a mammal?", Y),
    ("whale", "Is it a mammal?", Y),
    ("dolphin", "Is it a mammal?", Y),
    ("lion", "Is it a mammal?", Y),
    ("eagle", "Is it a mammal?", N),
    ("shark", "Is it a mammal?", N),
    ("snake", "Is it a mammal?", N),
    ("cat", "Is it a land mammal?", Y),
    ("whale", "Is it a land mammal?", N),
    ("shark", "Is it a fish?", Y),
    ("goldfish", "Is it a fish?", Y),
    ("salmon", "Is it a fish?", Y),
    ("whale", "Is it a fish?", N),
    ("jellyfish", "Is it a fish?", N),
    ("starfish", "Is it a fish?", N),
    ("crab", "Is it a fish?", N),
    ("octopus", "Is it a fish?", N),
    ("eagle", "Is it a bird?", Y),
    ("chicken", "Is it a bird?", Y),
    ("penguin", "Is it a bird?", Y),
    ("eagle", "Does it have feathers?", Y),
    ("duck", "Does it have feathers?", Y),
    ("airplane", "Is it a bird?", N),
    ("mosquito", "Is it a bird?", N),
    ("chicken", "Is it poultry?", Y),
    ("bee", "Is it an insect?", Y),
    ("butterfly", "Is it an insect?", Y),
    ("cockroach", "Is it a bug?", Y),
    ("ostrich", "Is it an insect?", N),
    ("snake", "Is it a reptile?", Y),
    ("crocodile", "Is it a reptile?", Y),
    ("turtle", "Is it a reptile?", Y),
    ("frog", "Is it an amphibian?", Y),
    ("frog", "Is it a reptile?", N),
    ("snake", "Is it cold-blooded?", Y),
    ("snake", "Is it warm-blooded?", N),
    ("eagle", "Is it warm-blooded?", Y),
    ("whale", "Is it warm blooded?", Y),
    ("eagle", "Does it lay eggs?", Y),
    ("chicken", "Does it lay eggs?", Y),
    ("dog", "Does it lay eggs?", N),
    ("whale", "Is it a sea creature?", Y),
    ("starfish", "Is it a sea creature?", Y),
    ("seaweed", "Is it a fish or a sea creature?", N),
    ("horse", "Is it a farm animal?", Y),
    ("cow", "Is it a farm animal?", Y),
    ("tractor", "Is it a farm animal?", N),
    ("lion", "Is it a wild animal?", Y),
    ("dog", "Is it a wild animal?", N),
    ("dog", "Is it a pet?", Y),
    ("cat", "Is it a pet?", Y),
    ("goldfish", "Is it a pet?", Y),
    ("lion", "Is it a pet?", N),
    ("elephant", "Is it a pet?", N),
    ("elephant", "Would you see it at a zoo?", Y),
    ("giraffe", "Would you see it in a zoo?", Y),
    # -- plants
    ("oak tree", "Is it a plant?", Y),
    ("rose", "Is it a plant?", Y),
    ("grass", "Is it a plant?", Y),
    ("dog", "Is it a plant?", N),
    ("car", "Is it a plant?", N),
    ("oak tree", "Is it a tree?", Y),
    ("pine tree", "Is it a tree?", Y),
    ("rose", "Is it a tree?", N),
    ("rose", "Is it a flower?", Y),
    ("sunflower", "Is it a flower?", Y),
    ("tulip", "Is it a flower?", Y),
    ("sunflower", "Is it a tree?", N),
    ("oak tree", "Does it have leaves?", Y),
    ("lettuce", "Does it have leaves?", Y),
    ("rose", "Does it have thorns?", Y),
    ("cactus", "Is it prickly?", Y),
    ("cactus", "Is it a living plant?", Y),
    ("apple", "Is it a living plant?", N),
    # -- food and eating
    ("apple", "Can you eat it?", Y),
    ("apple", "Is it edible?", Y),
    ("apple", "Is it something you can eat?", Y),
    ("apple", "Is it good to eat?", Y),
    ("apple", "Do people eat it?", Y),
    ("apple", "Is it eaten?", Y),
    ("pizza", "Can you eat it?", Y),
    ("carrot", "Can you eat it?", Y),
    ("chicken", "Can you eat it?", Y),
    ("salmon", "Can you eat it?", Y),
    ("knife", "Can you eat it?", N),
    ("fork", "Is it edible?", N),
    ("plate", "Can you eat it?", N),
    ("car", "Is it edible?", N),
    ("apple", "Is it food?", Y),
    ("pizza", "Is it food?", Y),
    ("bread", "Is it a type of food?", Y),
    ("knife", "Is it food?", N),
    ("apple", "Is it a fruit?", Y),
    ("banana", "Is it a kind of fruit?", Y),
    ("lemon", "Is it a citrus fruit?", Y),
    ("strawberry", "Is it a fruit?", Y),
    ("carrot", "Is it a fruit?", N),
    ("pizza", "Is it a fruit?", N),
    ("carrot", "Is it a vegetable?", Y),
    ("potato", "Is it a type of vegetable?", Y),
    ("broccoli", "Is it a vegetable?", Y),
    ("apple", "Is it a vegetable?", N),
    ("apple", "Is it a fruit or a vegetable?", Y),
    ("carrot", "Is it a fruit or a vegetable?", Y),
    ("pizza", "Is it a fruit or a vegetable?", N),
    ("hamburger", "Is it prepared food?", Y),
    ("apple", "Is it sweet?", Y),
    ("banana", "Is it sweet?", Y),
    ("chocolate", "Is it sweet?", Y),
    ("cake", "Is it sweet?", Y),
    ("lemon", "Is it sweet?", N),
    ("potato", "Is it sweet?", N),
    ("broccoli", "Is it sweet?", N),
    ("cheese", "Is it sweet?", N),
    ("ice cream", "Is it a dessert?", Y),
    ("potato", "Is it usually cooked?", Y),
    ("spaghetti", "Is it usually cooked?", Y),
    ("lettuce", "Is it usually cooked?", N),
    ("bread", "Is it baked?", Y),
    ("cake", "Is it baked?", Y),
    ("apple", "Does it grow on trees?", Y),
    ("cherry", "Does it grow on a tree?", Y),
    ("strawberry", "Does it grow on trees?", N),
    ("carrot", "Does it grow underground?", Y),
    ("potato", "Does it grow underground?", Y),
    ("onion", "Does it grow in the ground?", Y),
    ("ant", "Does it live underground?", Y),
    ("soup", "Is it a liquid?", Y),
    ("soup", "Is it solid?", N),
    ("bread", "Is it a liquid?", N),
    # -- made of, man-made
    ("car", "Is it man-made?", Y),
    ("car", "Is it manmade?", Y),
    ("hammer", "Is it made by people?", Y),
    ("pizza", "Is it man made?", Y),
    ("dog", "Is it man-made?", N),
    ("apple", "Is it man-made?", N),
    ("oak tree", "Is it man-made?", N),
    ("dog", "Is it natural?", Y),
    ("car", "Is it natural?", N),
    ("dog", "Is it found in nature?", Y),
    ("knife", "Is it made of metal?", Y),
    ("knife", "Is it metal?", Y),
    ("fork", "Is it made of metal?", Y),
    ("car", "Is it made of metal?", Y),
    ("trumpet", "Is it made of metal?", Y),
    ("teddy bear", "Is it made of metal?", N),
    ("apple", "Is it made of metal?", N),
    ("dog", "Is it made of metal?", N),
    ("chair", "Is it made of wood?", Y),
    ("guitar", "Is it made of wood?", Y),
    ("baseball bat", "Is it wooden?", Y),
    ("oak tree", "Is it made of wood?", Y),
    ("phone", "Is it made of wood?", N),
    ("lego", "Is it made of plastic?", Y),
    ("shirt", "Is it made of fabric?", Y),
    ("shirt", "Is it made of cloth?", Y),
    ("sofa", "Is it made of fabric?", Y),
    ("teddy bear", "Is it made of fabric?", Y),
    # -- size and weight
    ("car", "Is it bigger than a person?", Y),
    ("elephant", "Is it bigger than a car?", Y),
    ("elephant", "Is it larger than an automobile", Y),
    ("elephant", "is it smaller than a car", N),
    ("bus", "Is it bigger than a car?", Y),
    ("airplane", "Is it bigger than a car?", Y),
    ("house", "Is it bigger than a car?", Y),
    ("dog", "Is it bigger than a car?", N),
    ("chair", "Is it bigger than a car?", N),
    ("rabbit", "Is it bigger than a car?", N),
    ("apple", "Is it bigger than a car?", N),
    ("ship", "Is it bigger than a house?", Y),
    ("skyscraper", "Is it bigger than a house?", Y),
    ("car", "Is it bigger than a house?", N),
    ("elephant", "Is it bigger than a house?", N),
    ("horse", "Is it bigger than a person?", Y),
    ("bed", "Is it bigger than a person?", Y),
    ("cat", "Is it bigger than a person?", N),
    ("mouse", "Is it bigger than a person?", N),
    ("hummingbird", "Is it bigger than a person?", N),
    ("refrigerator", "Is it bigger than a breadbox?", Y),
    ("refrigerator", "is it LARGER than a BREADBOX", Y),
    ("refrigerator", "Is it smaller than a bread box?", N),
    ("phone", "Is it smaller than a breadbox?", Y),
    ("phone", "Is it bigger than a breadbox?", N),
    ("mouse", "Is it smaller than a breadbox?", Y),
    ("phone", "Is it smaller than a car?", Y),
    ("phone", "Does it fit in a pocket?", Y),
    ("phone", "Would it fit in your pocket?", Y),
    ("phone", "Is it pocket-sized?", Y),
    ("mouse", "Does it fit in a pocket?", Y),
    ("harmonica", "Does it fit in a pocket?", Y),
    ("car", "Does it fit in a pocket?", N),
    ("piano", "Does it fit in a pocket?", N),
    ("chair", "Does it fit in a pocket?", N),
    ("bee", "Is it smaller than a golf ball?", Y),
    ("pea", "Is it smaller than a golf ball?", Y),
    ("pumpkin", "Is it bigger than a golf ball?", Y),
    ("elephant", "Is it heavier than a person?", Y),
    ("elephant", "Is it heavier than a human?", Y),
    ("piano", "Is it heavier than a person?", Y),
    ("car", "Is it heavier than a person?", Y),
    ("cat", "Is it heavier than a person?", N),
    ("cat", "Is it lighter than a person?", Y),
    ("cat", "Can you pick it up?", Y),
    ("elephant", "Can you lift it?", N),
    # -- where it is found
    ("knife", "Would you find it in a kitchen?", Y),
    ("knife", "Would I find it in a kitchen?", Y),
    ("knife", "Is it something you'd find in the kitchen?", Y),
    ("knife", "Is it found in kitchens?", Y),
    ("knife", "Is it used in the kitchen?", Y),
    ("refrigerator", "Is it something you'd find in the kitchen?", Y),
    ("toaster", "Would you find it in a kitchen?", Y),
    ("apple", "Would you find it in a kitchen?", Y),
    ("lion", "Would you find it in a kitchen?", N),
    ("car", "Would you find it in a kitchen?", N),
    ("bed", "Would you find it in a kitchen?", N),
    ("fork", "Is it a kitchen item?", Y),
    ("knife", "Is it a kitchen utensil?", Y),
    ("frying pan", "Is it a kitchen item?", Y),
    ("hammer", "Is it a kitchen item?", N),
    ("lion", "Is it found outdoors?", Y),
    ("oak tree", "Does it grow outdoors?", Y),
    ("shovel", "Is it used outdoors?", Y),
    ("lawn mower", "Is it used outside?", Y),
    ("kite", "Is it used outdoors?", Y),
    ("knife", "Would you find it in a house?", Y),
    ("bed", "Is it found indoors?", Y),
    ("house", "Is it found indoors?", N),
    ("lion", "Would you find it in a house?", N),
    ("horse", "Would you find it on a farm?", Y),
    ("tractor", "Would you find it on a farm?", Y),
    ("barn", "Would you find it on a farm?", Y),
    ("pig", "Does it live on a farm?", Y),
    # -- water and air
    ("shark", "Does it live in water?", Y),
    ("dolphin", "Does it live in water?", Y),
    ("goldfish", "Does it live in water?", Y),
    ("dog", "Does it live in water?", N),
    ("shark", "Does it live in the sea?", Y),
    ("whale", "Does it live in the ocean?", Y),
    ("crab", "Does it live in the sea?", Y),
    ("seaweed", "Does it live in the sea?", Y),
    ("goldfish", "Does it live in the sea?", N),
    ("ship", "Does it float?", Y),
    ("ship", "Does it go on water?", Y),
    ("rubber duck", "Does it float?", Y),
    ("surfboard", "Is it used in water?", Y),
    ("bee", "Does it fly?", Y),
    ("bee", "Can it fly?", Y),
    ("bee", "Is it able to fly?", Y),
    ("bee", "Is it a flying insect?", Y),
    ("eagle", "Can it fly?", Y),
    ("eagle", "Is it capable of flight?", Y),
    ("airplane", "Can it fly?", Y),
    ("airplane", "Does it fly in the sky?", Y),
    ("helicopter", "Can it fly?", Y),
    ("kite", "Can it fly?", Y),
    ("penguin", "Can it fly?", N),
    ("ostrich", "Can it fly?", N),
    ("ant", "Can it fly?", N),
    ("pig", "Can it fly?", N),
    ("car", "Can it fly?", N),
    ("eagle", "Does it have wings?", Y),
    ("airplane", "Does it have wings?", Y),
    ("dog", "Does it have wings?", N),
    # -- legs and wheels
    ("dog", "Does it have four legs?", Y),
    ("dog", "Does it have 4 legs?", Y),
    ("dog", "Is it four-legged?", Y),
    ("dog", "Is it a quadruped?", Y),
    ("chair", "Does it have legs?", Y),
    ("chair", "Does it have four legs?", Y),
    ("table", "Does it have four legs?", Y),
    ("eagle", "Does it have two legs?", Y),
    ("eagle", "Does it have four legs?", N),
    ("bee", "Does it have six legs?", Y),
    ("ant", "Does it have six legs?", Y),
    ("bee", "Does it have more than four legs?", Y),
    ("dog", "Does it have more than four legs?", N),
    ("snake", "Does it have legs?", N),
    ("snake", "Does it have no legs?", Y),
    ("shark", "Does it have legs?", N),
    ("car", "Does it have legs?", N),
    ("car", "Does it have wheels?", Y),
    ("car", "Does it have four wheels?", Y),
    ("car", "Does it have two wheels?", N),
    ("car", "Does it have more than four wheels?", N),
    ("bicycle", "Does it have two wheels?", Y),
    ("motorcycle", "Does it have two wheels?", Y),
    ("skateboard", "Does it have wheels?", Y),
    ("skateboard", "Does it have four wheels?", Y),
    ("bus", "Does it have more than four wheels?", Y),
    ("lawn mower", "Does it have wheels?", Y),
    ("ship", "Does it have wheels?", N),
    ("horse", "Does it have wheels?", N),
    ("house", "Does it have wheels?", N),
    # -- how it works, what it is for
    ("toaster", "Does it use electricity?", Y),
    ("toaster", "Does it need electricity?", Y),
    ("toaster", "Is it electronic?", Y),
    ("toaster", "Does it plug in?", Y),
    ("refrigerator", "Does it use electricity?", Y),
    ("lamp", "Does it use electricity?", Y),
    ("phone", "Is it electronic?", Y),
    ("phone", "Does it need batteries?", Y),
    ("television", "Does it need electricity?", Y),
    ("remote control", "Does it use batteries?", Y),
    ("hammer", "Does it use electricity?", N),
    ("bicycle", "Does it use electricity?", N),
    ("apple", "Does it use electricity?", N),
    ("phone", "Does it have a screen?", Y),
    ("phone", "Does it have a display?", Y),
    ("television", "Does it have a screen?", Y),
    ("computer", "Does it have a screen?", Y),
    ("radio", "Does it have a screen?", N),
    ("chair", "Does it have a screen?", N),
    ("phone", "Is it an electronic gadget?", Y),
    ("phone", "Is it a gadget?", Y),
    ("car", "Does it have an engine?", Y),
    ("car", "Does it use fuel?", Y),
    ("motorcycle", "Does it have an engine?", Y),
    ("lawn mower", "Does it have an engine?", Y),
    ("blender", "Does it have a motor?", Y),
    ("drill", "Does it have a motor?", Y),
    ("bicycle", "Does it have an engine?", N),
    ("bicycle", "Does it have a motor?", N),
    ("skateboard", "Does it have an engine?", N),
    ("lamp", "Does it give off light?", Y),
    ("lamp", "Does it light up?", Y),
    ("lighthouse", "Does it give off light?", Y),
    ("soccer ball", "Is it used for sport?", Y),
    ("basketball", "Is it used in sports?", Y),
    ("tennis racket", "Is it used for sport?", Y),
    ("basketball", "Is it sports equipment?", Y),
    ("hammer", "Is it used for sport?", N),
    ("soccer ball", "Is it a ball?", Y),
    ("bowling ball", "Is it a ball?", Y),
    ("tennis racket", "Is it a ball?", N),
    ("shirt", "Do you wear it?", Y),
    ("shirt", "Is it something you wear?", Y),
    ("shirt", "Is it clothing?", Y),
    ("shirt", "Is it an item of clothing?", Y),
    ("hat", "Do you wear it?", Y),
    ("hat", "Do you wear it on your head?", Y),
    ("hat", "Is it worn on the feet?", N),
    ("shoe", "Do you wear it on your feet?", Y),
    ("shoe", "Is it footwear?", Y),
    ("sock", "Do you wear it on your feet?", Y),
    ("glove", "Do you wear them on your hands?", Y),
    ("scarf", "Do you wear it around your neck?", Y),
    ("trousers", "Do you wear them on your legs?", Y),
    ("trousers", "Do you wear it on your head?", N),
    ("belt", "Do you wear it around your waist?", Y),
    ("headphones", "Do you wear them on your head?", Y),
    ("headphones", "Do you wear them?", Y),
    ("car", "Do you wear it?", N),
    ("apple", "Do you wear it?", N),
    ("guitar", "Is it a musical instrument?", Y),
    ("guitar", "Is it an instrument?", Y),
    ("guitar", "Is it used to make music?", Y),
    ("guitar", "Does it have strings?", Y),
    ("guitar", "Is it a string instrument?", Y),
    ("guitar", "Do you blow into it?", N),
    ("guitar", "Is it a wind instrument?", N),
    ("violin", "Does it have strings?", Y),
    ("tennis racket", "Does it have strings?", Y),
    ("kite", "Does it have a string?", Y),
    ("flute", "Do you blow into it?", Y),
    ("flute", "Is it a wind instrument?", Y),
    ("trumpet", "Do you blow into it?", Y),
    ("harmonica", "Do you blow into it?", Y),
    ("balloon", "Do you blow into it?", Y),
    ("drum", "Does it make noise?", Y),
    ("piano", "Is it a musical instrument?", Y),
    ("tennis racket", "Is it a musical instrument?", N),
    ("radio", "Is it used for music?", Y),
    ("radio", "Can you play music on it?", Y),
    ("dog", "Does it make a sound?", Y),
    ("phone", "Does it make sounds?", Y),
    ("alarm clock", "Does it make a sound?", Y),
    ("car", "Can it carry people?", Y),
    ("car", "Can you ride in it?", Y),
    ("car", "Can you go inside it?", Y),
    ("horse", "Can you ride it?", Y),
    ("bicycle", "Can you ride it?", Y),
    ("airplane", "Can it carry passengers?", Y),
    ("bus", "Can it carry people?", Y),
    ("chair", "Can you ride it?", N),
    ("chair", "Do you sit on it?", Y),
    ("chair", "Can you sit on it?", Y),
    ("sofa", "Do you sit on it?", Y),
    ("bicycle", "Do you sit on it?", Y),
    ("house", "Do people live in it?", Y),
    ("house", "Can you live in it?", Y),
    ("house", "Can you go inside it?", Y),
    ("school", "Do people live in it?", N),
    ("church", "Is it religious?", Y),
    ("church", "Is it a place of worship?", Y),
    ("hospital", "Is it related to medicine?", Y),
    ("hospital", "Do sick people go there?", Y),
    ("car", "Is it a vehicle?", Y),
    ("car", "Is it a means of transport?", Y),
    ("car", "Is it a mode of transportation?", Y),
    ("ship", "Is it a vehicle?", Y),
    ("horse", "Is it a vehicle?", N),
    ("lawn mower", "Is it a vehicle?", N),
    ("hammer", "Is it a tool?", Y),
    ("saw", "Is it some kind of tool?", Y),
    ("chair", "Is it furniture?", Y),
    ("chair", "Is it a piece of furniture?", Y),
    ("toaster", "Is it furniture?", N),
    ("kite", "Is it a toy?", Y),
    ("teddy bear", "Is it a toy?", Y),
    ("house", "Is it a building?", Y),
    ("house", "Is it a structure?", Y),
    ("castle", "Is it a building?", Y),
    ("car", "Is it a building?", N),
    # -- what it is like
    ("knife", "Is it sharp?", Y),
    ("knife", "Can it cut you?", Y),
    ("saw", "Can it cut things?", Y),
    ("axe", "Is it sharp?", Y),
    ("spoon", "Is it sharp?", N),
    ("teddy bear", "Is it sharp?", N),
    ("teddy bear", "Is it soft?", Y),
    ("teddy bear", "Is it cuddly?", Y),
    ("sofa", "Is it soft?", Y),
    ("hammer", "Is it soft?", N),
    ("hammer", "Is it hard?", Y),
    ("soup", "Is it hot?", Y),
    ("pizza", "Is it hot?", Y),
    ("toaster", "Is it hot?", Y),
    ("ice cream", "Is it hot?", N),
    ("ice cream", "Is it cold?", Y),
    ("ice cream", "Is it frozen?", Y),
    ("refrigerator", "Is it cold?", Y),
    ("apple", "Is it round?", Y),
    ("soccer ball", "Is it round?", Y),
    ("plate", "Is it round?", Y),
    ("banana", "Is it round?", N),
    ("plate", "Is it flat?", Y),
    ("pizza", "Is it flat?", Y),
    ("snake", "Is it long and thin?", Y),
    ("banana", "Is it long?", Y),
    ("lion", "Is it dangerous?", Y),
    ("shark", "Is it dangerous?", Y),
    ("knife", "Is it dangerous?", Y),
    ("knife", "Is it safe?", N),
    ("teddy bear", "Is it dangerous?", N),
    ("teddy bear", "Is it safe?", Y),
    ("rabbit", "Is it dangerous?", N),
    ("bee", "Can it sting?", Y),
    ("jellyfish", "Does it sting you?", Y),
    ("car", "Does it cost more than $1000?", Y),
    ("car", "Does it cost more than $1,000?", Y),
    ("car", "Is it expensive?", Y),
    ("house", "Does it cost more than 1000 dollars?", Y),
    ("piano", "Does it cost more than $1000?", Y),
    ("apple", "Does it cost more than $1000?", N),
    ("spoon", "Is it expensive?", N),
    ("spoon", "Is it cheap?", Y),
    ("dog", "Does it have fur?", Y),
    ("cat", "Is it furry?", Y),
    ("sheep", "Does it have wool?", Y),
    ("snake", "Does it have fur?", N),
    ("tiger", "Does it have stripes?", Y),
    ("zebra", "Is it striped?", Y),
    ("lion", "Does it have stripes?", N),
    # -- colours
    ("apple", "Is it red?", Y),
    ("strawberry", "Is it red?", Y),
    ("ladybug", "Is it red?", Y),
    ("banana", "Is it yellow?", Y),
    ("lemon", "Is it yellow?", Y),
    ("banana", "Is it red?", N),
    ("orange", "Is it orange?", Y),
    ("orange", "Is it orange in colour?", Y),
    ("carrot", "Is it orange?", Y),
    ("basketball", "Is it orange?", Y),
    ("banana", "Is it orange?", N),
    ("broccoli", "Is it green?", Y),
    ("frog", "Is it green?", Y),
    ("cactus", "Is it green?", Y),
    ("zebra", "Is it black and white?", Y),
    ("penguin", "Is it black and white?", Y),
    ("elephant", "Is it grey?", Y),
    ("elephant", "Is it gray?", Y),
    ("flamingo", "Is it pink?", Y),
    ("pig", "Is it pink?", Y),
    ("chocolate", "Is it brown?", Y),
    ("bear", "Is it brown?", Y),
    ("bee", "Is it yellow and black?", Y),
    ("ladybug", "Is it red with black spots?", Y),
    # -- combinations and negation
    ("dog", "Is it an animal that can't fly?", Y),
    ("eagle", "Is it an animal that can't fly?", N),
    ("penguin", "Is it a bird that can't fly?", Y),
    ("penguin", "Is it a bird that can fly?", N),
    ("dog", "Is it neither a fruit nor a vegetable?", Y),
    ("apple", "Is it neither a fruit nor a vegetable?", N),
    ("dog", "Is it not man-made?", Y),
    ("dog", "Is it not an animal?", N),
    ("dog", "Isn't it an animal?", Y),
    ("dog", "Doesn't it have four legs?", Y),
    ("dog", "Is it something that is not alive?", N),
    ("apple", "Is it something you can't eat?", N),
    ("knife", "Is it something you can't eat?", Y),
    ("apple", "Isn't it a fruit?", Y),
    ("apple", "Is it not a vegetable?", Y),
    ("apple", "Is it a fruit that grows on trees?", Y),
    ("apple", "Is it a red fruit?", Y),
    ("car", "Is it not alive?", Y),
    ("car", "Isn't it a vehicle?", Y),
    ("car", "Is it a vehicle without wheels?", N),
    ("ship", "Is it a vehicle without wheels?", Y),
    ("car", "Does it have no wheels?", N),
    ("car", "Is it a vehicle or an animal?", Y),
    ("rose", "Is it a vehicle or an animal?", N),
    ("whale", "Is it an animal that lives in the sea?", Y),
    ("whale", "Is it a mammal that lives in water?", Y),
    ("snake", "Is it an animal without legs?", Y),
    ("cow", "Is it black and white?", Y),
    ("dog", "Can it fly, yes or no?", N),
    # -- what the oracle will not answer with yes or no
    ("dog", "What colour is it?", U),
    ("dog", "How big is it?", U),
    ("dog", "How many legs does it have?", U),
    ("dog", "Tell me something about it.", U),
    ("car", "Is it alive or dead?", U),
    ("car", "Is it man-made or natural?", U),
    # -- understood, but the knowledge base does not settle it: "I don't know."
    ("dog", "Is it big?", K),
    ("apple", "Is it tasty?", K),
    ("parrot", "Is it colourful?", Y),
    ("elephant", "Is it colourful?", N),
    ("dog", "Is it bigger than a sheep?", K),
    ("lion", "Is it found in Australia?", K),
    # -- not understood, or an object named inside a question: "I didn't understand ..."
    ("dog", "Is it like a cat?", D),
    ("cow", "Is it related to a horse?", D),
    ("dog", "Is it a flibbertigibbet?", D),
    ("guitar", "Is it a quantum instrument?", D),
    # -- questions the first oracle could not answer, understood now
    ("dog", "Does it bark?", Y),
    ("lighthouse", "Is it found near the sea?", Y),
    ("giraffe", "Does it have a long neck?", Y),
    ("lion", "Does it eat meat?", Y),
    ("frying pan", "Is it used for cooking?", Y),
    ("cat", "Is it bigger than a dog?", N),
    ("guitar", "Is it a percussion instrument?", N),
    ("drum", "Is it a percussion instrument?", Y),
    ("cow", "Does it eat grass?", Y),
    ("lion", "Does it eat grass?", N),
    ("refrigerator", "Is it used to store food?", Y),
    ("lion", "Is it a big cat?", Y),
    ("cat", "Is it a big cat?", N),
    ("cow", "Is it a farm animal?", Y),
    ("tiger", "Does it have sharp teeth?", Y),
    ("cow", "Does it have sharp teeth?", N),
]


@pytest.mark.parametrize(("name", "question", "expected"), ORACLE_TABLE)
def test_oracle_answers_by_common_sense(name: str, question: str, expected: str) -> None:
    """The built-in oracle answers by common sense, whatever the phrasing, case and punctuation."""
    assert object_oracle(OBJECTS[name], question) == expected


def test_the_table_is_large_and_covers_the_knowledge_base() -> None:
    """At least 200 hand-written rows, over at least a hundred objects and every category."""
    assert len(ORACLE_TABLE) >= 200
    names = {name for name, _, _ in ORACLE_TABLE}
    assert len(names) >= 100
    assert {OBJECTS[name]["category"] for name in names} == set(KNOWLEDGE.categories)


def answers_of(record: dict) -> tuple:
    """Everything the oracle can be asked about an object: category, size, counts, attributes."""
    return (
        record["category"],
        record["size"],
        record["legs"],
        record["wheels"],
        tuple(record["worn_on"]),
        frozenset(record["yes"]),
    )


def test_knowledge_base_size_and_well_formed_records() -> None:
    """About 150 objects in about 17 categories, each record using only declared values."""
    assert 140 <= len(KNOWLEDGE.objects) <= 180
    assert 15 <= len(KNOWLEDGE.categories) <= 20
    assert len(KNOWLEDGE.attributes) >= 36
    for record in KNOWLEDGE.objects:
        assert record["category"] in KNOWLEDGE.categories, record["name"]
        assert record["size"] in KNOWLEDGE.sizes, record["name"]
        assert set(record["yes"]) <= set(KNOWLEDGE.attributes), record["name"]
        assert record["name"].isascii() and record["legs"] >= 0 and record["wheels"] >= 0


def test_every_two_objects_differ_in_some_attribute() -> None:
    """No two objects share every boolean attribute, size, leg and wheel count and body part."""
    for first, second in itertools.combinations(KNOWLEDGE.objects, 2):
        assert answers_of(first)[1:] != answers_of(second)[1:], (first["name"], second["name"])


def test_every_bank_question_is_understood_and_splits_the_objects() -> None:
    """Every bank question is understood (Yes, No, or the knowledge base's "I don't know." for
    the few objects it leaves open), and each is answered Yes for some objects only."""
    for question in question_bank():
        answers = {object_oracle(record, question) for record in KNOWLEDGE.objects}
        assert {YES, NO} <= answers <= {YES, NO, DONT_KNOW}, question


def test_canonical_category_questions_answer_membership() -> None:
    """Each category's own question is answered Yes exactly for the objects in it."""
    for category, question in KNOWLEDGE.categories.items():
        for record in KNOWLEDGE.objects:
            expected = YES if record["category"] == category else NO
            assert object_oracle(record, question) == expected, (question, record["name"])


def test_names_synonyms_and_plurals_are_guesses_of_their_object() -> None:
    """Every name and synonym, singular or plural, in four phrasings, guesses that object only."""
    for index, record in enumerate(KNOWLEDGE.objects):
        for phrase in [record["name"], *record["synonyms"]]:
            for form in word_forms(phrase):
                for utterance in (f"Is it a {form}?", form.upper(), f"My guess is {form}!"):
                    parsed = parse_utterance(utterance)
                    assert (parsed.kind, parsed.objects) == ("guess", (index,)), utterance


def play(env: gym.Env, utterances: list[str], seed: int = 0) -> list[tuple]:
    """Reset with ``seed`` and say each utterance; return (reply, reward, terminated, info)."""
    env.reset(seed=seed)
    results = []
    for utterance in utterances:
        observation, reward, terminated, _, info = env.step(utterance)
        results.append((observation.splitlines()[-1], reward, terminated, info))
    return results


@pytest.mark.parametrize(
    "guess",
    ["Is it a dog?", "Is it a puppy?", "dog", "My guess is a dog", "Is it dogs?", "PUPPIES!",
     "I think it's a hound.", "is it a doggie"],
)  # fmt: skip
def test_guess_by_name_synonym_or_plural_wins(guess: str) -> None:
    """A guess naming the object by name, synonym or plural ends the episode with reward 0."""
    env = gym.make(ENV_ID, secret_objects=["dog"])
    reply, reward, terminated, info = play(env, [guess])[0]
    assert reply == CORRECT_GUESS.format(name="a dog") == "Yes! It is a dog."
    assert (reward, terminated, info["success"], info["guesses"]) == (0.0, True, True, 1)


@pytest.mark.parametrize(
    ("secret", "guess", "reply"),
    [("mouse", "Is it mice?", "Yes! It is a mouse."), ("knife", "knives", "Yes! It is a knife."),
     ("orange", "Is it an orange?", "Yes! It is an orange."), ("bread", "Is it bread?",
     "Yes! It is bread."), ("car", "is it an AUTOMOBILE", "Yes! It is a car.")],
)  # fmt: skip
def test_irregular_plurals_articles_and_synonyms_are_recognised(
    secret: str, guess: str, reply: str
) -> None:
    """Irregular plurals, "an", mass nouns and synonyms all count as the object."""
    env = gym.make(ENV_ID, secret_objects=[secret])
    assert play(env, [guess])[0][0] == reply


def test_orange_the_colour_is_a_question_and_an_orange_a_guess() -> None:
    """Asking "Is it orange?" of a carrot gets the colour; "Is it an orange?" guesses the fruit."""
    env = gym.make(ENV_ID, secret_objects=["carrot"])
    (colour, _, _, colour_info), (fruit, _, _, fruit_info) = play(
        env, ["Is it orange?", "Is it an orange?"]
    )
    assert (colour, colour_info["guesses"]) == (YES, 0)
    assert (fruit, fruit_info["guesses"]) == (NO, 1)


def test_rewards_wrong_guesses_and_invalid_text() -> None:
    """-1 a question; a wrong guess "No." at -1; unknown, empty or two-object text is invalid."""
    env = gym.make(ENV_ID, secret_objects=["dog"])
    steps = [
        ("Is it alive?", YES, -1.0, False),
        ("Is it a cat?", NO, -1.0, False),
        ("Flibbertigibbet, wibble wobble!", DONT_UNDERSTAND, -1.0, True),
        ("", DONT_UNDERSTAND, -1.0, True),
        ("Is it a cat or a dog?", ONE_AT_A_TIME, -1.0, True),
        ("What is it made of?", UNKNOWN_ANSWER, -1.0, True),
    ]
    env.reset(seed=0)
    total = 0.0
    for utterance, reply, reward, invalid in steps:
        observation, got_reward, terminated, _, info = env.step(utterance)
        assert observation.splitlines()[-1] == reply, utterance
        assert (got_reward, terminated, info["invalid_action"]) == (reward, False, invalid)
        total += got_reward
    _, reward, terminated, _, info = env.step("  a DOG  ")
    assert (reward, terminated, info["success"], total + reward) == (0.0, True, True, -6.0)
    assert (info["guesses"], info["questions"], info["invalid_actions"]) == (2, 5, 4)


def test_twenty_questions_then_truncation() -> None:
    """Without the right guess the episode truncates after 20 questions with return -20."""
    env = gym.make(ENV_ID, secret_objects=["dog"])
    env.reset(seed=0)
    total, truncated, steps = 0.0, False, 0
    while not truncated:
        _, reward, terminated, truncated, info = env.step("Is it a cat?")
        total, steps = total + reward, steps + 1
        assert not terminated
    assert (steps, total, info["success"], info["guesses"]) == (20, -20.0, False, 20)


def test_same_seed_same_object_and_transcript() -> None:
    """Equal seeds give equal hidden objects and transcripts; the secret follows the seed."""
    first, second = gym.make(ENV_ID), gym.make(ENV_ID)
    questions = ["Is it alive?", "Is it bigger than a car?", "Does it have legs?"]
    assert play(first, questions, seed=11) == play(second, questions, seed=11)
    first.reset(seed=11)
    second.reset(seed=11)
    assert first.unwrapped.secret == second.unwrapped.secret
    secrets = set()
    for seed in range(40):
        first.reset(seed=seed)
        secrets.add(first.unwrapped.secret["name"])
    assert len(secrets) > 25


def test_opening_explains_the_game_and_lists_the_objects() -> None:
    """The first observation states the rules, the question limit and every object's name."""
    env = gym.make(ENV_ID)
    observation, _ = env.reset(seed=0)
    assert "20 questions" in observation and UNKNOWN_ANSWER in observation
    assert all(name in observation for name in OBJECTS)


def test_user_oracle_replaces_the_built_in_one() -> None:
    """A callable oracle answers non-guesses with the record; its UNKNOWN_ANSWER is invalid."""
    seen = []

    def oracle(record: dict, question: str) -> str:
        seen.append((record["name"], question))
        if "legs" in question:
            return f"It has {record['legs']} legs."
        return UNKNOWN_ANSWER

    env = gym.make(ENV_ID, oracle=oracle, secret_objects=["bee"])
    env.reset(seed=0)
    observation, _, _, _, info = env.step("How many legs?")
    assert observation.endswith("It has 6 legs.") and not info["invalid_action"]
    assert env.step("Is it alive?")[4]["invalid_action"]
    assert env.step("Is it a honeybee?")[4]["success"]
    assert seen == [("bee", "How many legs?"), ("bee", "Is it alive?")]


def test_bad_constructor_arguments_name_what_was_expected() -> None:
    """Wrong oracle, question limit or object names raise errors that say what was expected."""
    with pytest.raises(TypeError, match="oracle must be a callable"):
        TwentyQuestionsEnv(oracle="an oracle")
    with pytest.raises(TypeError, match="max_questions must be an int"):
        TwentyQuestionsEnv(max_questions=2.5)
    with pytest.raises(ValueError, match="max_turns must be a positive integer"):
        TwentyQuestionsEnv(max_questions=0)
    with pytest.raises(ValueError, match=r"unknown: \['unicorn'\]"):
        TwentyQuestionsEnv(secret_objects=["dog", "unicorn"])
    with pytest.raises(TypeError, match="sequence of object names"):
        TwentyQuestionsEnv(secret_objects="dog")
    env = TwentyQuestionsEnv(oracle=lambda record, question: 42)
    env.reset(seed=0)
    with pytest.raises(TypeError, match="oracle must return a str"):
        env.step("Is it alive?")


def test_vocabulary_is_fixed_with_a_question_per_attribute_category_and_object() -> None:
    """The bank is the same every episode: attribute and category questions, then one guess each."""
    env = gym.make(ENV_ID)
    vocabulary = env.unwrapped.action_vocabulary()
    env.reset(seed=5)
    assert env.unwrapped.action_vocabulary() == vocabulary
    assert len(vocabulary) == len(set(vocabulary)) == len(question_bank()) + len(OBJECTS)
    assert len(question_bank()) >= len(KNOWLEDGE.attributes) + len(KNOWLEDGE.categories)
    assert "Is it a dog?" in vocabulary and "Is it an apple?" in vocabulary


def test_mid_episode_pickle_keeps_the_secret() -> None:
    """A pickled env continues with the same hidden object and answers."""
    env = gym.make(ENV_ID)
    env.reset(seed=8)
    env.step("Is it alive?")
    clone = pickle.loads(pickle.dumps(env))
    assert clone.unwrapped.secret == env.unwrapped.secret
    assert clone.step("Is it man-made?")[0] == env.step("Is it man-made?")[0]


def test_mdp_family_splits_hold_out_a_fifth_of_the_objects() -> None:
    """In-distribution pools never contain a held-out object; held-out pools only those."""
    family = rlbench_suite.env_card(ENV_ID).mdp_family
    held_out = set(held_out_objects())
    assert len(held_out) == len(OBJECTS) // 5
    for kwargs in family.sample(5, "in_distribution", seed=1):
        assert len(kwargs["secret_objects"]) == 60 and not held_out & set(kwargs["secret_objects"])
    for kwargs in family.sample(5, "held_out", seed=1):
        assert set(kwargs["secret_objects"]) <= held_out
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=2)
        assert env.unwrapped.secret["name"] in held_out


def run_episode(env: gym.Env, agent) -> tuple[bool, float, int]:
    """(success, return, turns) of one episode from the env's current reset."""
    observation = env.unwrapped.transcript
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total, done = total + reward, terminated or truncated
    return info["success"], total, info["turns"]


def test_infogain_expert_finds_every_object_of_the_knowledge_base() -> None:
    """The expert finds each of the objects within 20 turns, in under 10 turns on average."""
    env = gym.make(ENV_ID)
    agent = make_agent("expert", env)
    turns = []
    for name in OBJECTS:
        env.unwrapped.secret_indices = [KNOWLEDGE.index_of(name)]
        env.reset(seed=0)
        agent.reset(seed=0)
        success, total, used = run_episode(env, agent)
        assert success and total == 1 - used, name
        turns.append(used)
    assert max(turns) <= 20 and np.mean(turns) < 10


def test_infogain_expert_wins_at_least_90_percent_and_random_rarely() -> None:
    """Over 50 seeded episodes the expert wins >= 90%; the random agent mostly runs out."""
    outcomes = {}
    for name in ("expert", "random"):
        env = gym.make(ENV_ID)
        agent = make_agent(name, env)
        results = []
        for seed in range(50):
            env.reset(seed=seed)
            agent.reset(seed=seed)
            results.append(run_episode(env, agent))
        outcomes[name] = (np.mean([r[0] for r in results]), np.mean([r[1] for r in results]))
    assert outcomes["expert"][0] >= 0.9 and outcomes["expert"][1] > -10
    assert outcomes["random"][0] < 0.2 and outcomes["random"][1] < -17


def test_infogain_expert_asks_before_guessing_and_reads_wrong_guesses() -> None:
    """It opens with a question, and a wrong guess in the transcript removes that object."""
    env = gym.make(ENV_ID, secret_objects=["cat"])
    agent = make_agent("twentyq_infogain", env)
    observation, _ = env.reset(seed=0)
    first = agent.act(observation)
    assert parse_utterance(first).kind == "question"
    observation, *_ = env.step("Is it a dog?")
    candidates, _, turns = agent.candidates(observation)
    assert KNOWLEDGE.index_of("dog") not in candidates and turns == 1
