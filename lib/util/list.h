/* Intrusive doubly linked list with a sentinel head. */
#ifndef VF_UTIL_LIST_H
#define VF_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct vf__list {
	struct vf__list *prev, *next;
};

#define vf__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void vf__list_init(struct vf__list *head)
{
	head->prev = head->next = head;
}

static inline bool vf__list_empty(const struct vf__list *head)
{
	return head->next == head;
}

static inline void vf__list_add_tail(struct vf__list *head, struct vf__list *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

static inline void vf__list_del(struct vf__list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = node;
}

/* The node after @node in @head's list, or NULL at the end. A NULL @node
 * means the first. */
static inline struct vf__list *vf__list_next(const struct vf__list *head,
					     const struct vf__list *node)
{
	const struct vf__list *n = node ? node->next : head->next;

	return n == head ? NULL : (struct vf__list *)n;
}

#endif
